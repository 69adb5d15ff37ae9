"""`pgplat dev seed`: load development data from the project's own SQL and Python scripts.

Seeds only ever see the local server: Python scripts get the local ``PG*`` variables and
none of the caller's AWS credentials or cloud settings, so no seed can read production.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg

from pgplat.errors import UserError
from pgplat.local.cluster import ServerInfo
from pgplat.project import Project

_CLOUD_PREFIXES = ("AWS_", "PGPLAT_", "PG")


def seed_scripts(project: Project, listed: list[str]) -> list[Path]:
    """The configured scripts, resolved against the project's root and checked to exist."""
    scripts = [project.resolve(entry).resolve() for entry in listed]
    for script in scripts:
        if not script.is_file():
            raise UserError(
                f"seed script {script} does not exist (environments.local.seed_scripts)"
            )
        if script.suffix not in (".sql", ".py"):
            raise UserError(f"seed script {script} is neither .sql nor .py")
    return scripts


def run_seeds(info: ServerInfo, user: str, scripts: list[Path]) -> Iterator[Path]:
    """Run each script in order as ``user``; yields each script once it has succeeded."""
    for script in scripts:
        if script.suffix == ".sql":
            _run_sql(info, user, script)
        else:
            _run_python(info, user, script)
        yield script


def _run_sql(info: ServerInfo, user: str, script: Path) -> None:
    try:
        with psycopg.connect(info.conninfo(user)) as conn:
            conn.execute(script.read_bytes())
    except psycopg.Error as exc:
        raise UserError(f"seed {script.name} failed: {str(exc).strip().splitlines()[0]}") from None


def _run_python(info: ServerInfo, user: str, script: Path) -> None:
    isolated = {k: v for k, v in os.environ.items() if not k.startswith(_CLOUD_PREFIXES)}
    result = subprocess.run(
        [sys.executable, str(script)],
        env=isolated | info.env(user),
        cwd=script.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1]
        raise UserError(f"seed {script.name} failed: {last}")
