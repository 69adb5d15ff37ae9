"""The README's main command, run exactly as written in a fresh clone, then used as an
application would: the migration as production runs it (the owner), then only the generated
.env, verified TLS, a row written and read back, and no DDL unless the user is the owner.

Each organisation `make run` is shown on (innovate: the README's `make run`; meridian: `make
run CONFIG=…`) gets a clone of its own, whose cdk.out starts as `pgplat check` left it: the
session's synthesis of the example with the gate's layer cache beside it. `up` then reuses
both, as it does after a check, so the suite synthesizes and judges each example once; the
cold synthesis and gate are those session fixtures' own runs."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from pgplat.config.loader import load_config
from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.local.envfile import app_user, migration_user
from tests.fixtures.policy import CheckRun
from tests.fixtures.postgres import server_root

REPO = Path(__file__).resolve().parents[2]
MAIN_COMMAND = "make run"
CONFIG = "examples/innovate-inc.yaml"
PROJECT = "examples"
"""The configurations' folder, where `make run` writes everything."""


@dataclass(frozen=True)
class MainJob:
    """`make run` on one shipped example, synthesized and checked by the session fixtures
    ``<example>_synth`` and ``<example>_check``."""

    example: str
    command: str
    config: str

    def load(self) -> PgplatConfig:
        return load_config(REPO / self.config)


JOBS = {
    "innovate": MainJob("innovate", MAIN_COMMAND, CONFIG),
    "meridian": MainJob(
        "meridian",
        f"{MAIN_COMMAND} CONFIG=examples/meridian-health.yaml",
        "examples/meridian-health.yaml",
    ),
}


def _readme_main_command() -> str:
    """The first command in the README's first code block."""
    readme = (REPO / "README.md").read_text()
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.splitlines()[0].split("#")[0].strip()


def _clean_env() -> dict[str, str]:
    """The caller's environment without any database settings, so only .env can supply them."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PG", "PGPLAT_"))}


@pytest.fixture(scope="module", params=list(JOBS))
def job(request: pytest.FixtureRequest) -> MainJob:
    return JOBS[request.param]


@pytest.fixture(scope="module")
def clone(job: MainJob, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A fresh clone sharing this checkout's virtualenv (its install step is `make setup`),
    where the local server's unprivileged account can reach it."""
    base = server_root("e2e")
    target = base / "pgplat"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(target)], check=True)
    (target / ".venv").symlink_to(REPO / ".venv")
    (REPO / ".venv" / ".installed").touch()
    check: CheckRun = request.getfixturevalue(f"{job.example}_check")
    assert check.exit_code == 0, check.stderr
    synthesis: Synthesis = request.getfixturevalue(f"{job.example}_synth")
    shutil.copytree(synthesis.outdir, target / PROJECT / "cdk.out")
    yield target
    subprocess.run(
        [str(target / ".venv/bin/pgplat"), "-c", job.config, "dev", "destroy", "--yes"],
        cwd=target,
        env=_clean_env(),
        check=False,
        capture_output=True,
    )
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def ran(job: MainJob, clone: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        shlex.split(job.command),
        cwd=clone,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_readme_names_this_command() -> None:
    assert _readme_main_command() == MAIN_COMMAND


@pytest.mark.slow
def test_main_job_produces_everything(
    job: MainJob, clone: Path, ran: subprocess.CompletedProcess[str]
) -> None:
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert "Traceback" not in ran.stderr
    out = ran.stdout
    config = job.load()
    assert f"pgplat up: {config.name} ready" in out
    assert f"postgresql://{app_user(config)}:****@" in out
    assert "pgplat deploy --env prod" in out
    assert "unchanged config: reused" in " ".join(re.sub("[│╭╮╰╯─]", " ", out).split())
    project = clone / PROJECT
    assert (project / "cdk.out" / "prod" / "manifest.json").is_file()
    assert (project / "cdk.out" / "dev" / "manifest.json").is_file()
    guardrails = project / "build" / "guardrails"
    assert (guardrails / "scp-nonprod-deny-prod-data.json").is_file()
    bunkered = any(env.backup.bunker_copy for env in config.environments.cloud().values())
    assert (guardrails / "bunker-vault-access-policy.json").is_file() is bunkered
    env_file = project / ".env"
    assert env_file.stat().st_mode & 0o777 == 0o600
    receipt = project / config.environments.local.data_dir / "env-file.sha256"
    assert receipt.is_file(), "without the receipt `dev destroy` leaves the dead password in .env"
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True
    )
    assert status.stdout == "", "the main job must leave the work tree clean (outputs are ignored)"


def _migrate(job: MainJob, clone: Path) -> None:
    """The schema's migration, as production runs it: the owner user (the first owner, else
    the master), straight to the database, from the URL `pgplat dev url` prints."""
    pgplat = str(clone / ".venv/bin/pgplat")
    user = migration_user(job.load())
    found = subprocess.run(
        [pgplat, "-c", job.config, "-o", "json", "dev", "url", "--user", user, "--show-password"],
        cwd=clone,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    url = json.loads(found.stdout)["url"]
    migration = "create table if not exists app.e2e (id int primary key, note text)"
    with psycopg.connect(url) as conn:
        conn.execute(migration)


@pytest.mark.slow
def test_application_connects_with_only_the_env_file(
    job: MainJob, clone: Path, ran: subprocess.CompletedProcess[str]
) -> None:
    assert ran.returncode == 0
    _migrate(job, clone)
    app = textwrap.dedent(
        """
        import psycopg
        import pgplat
        with pgplat.connect() as conn:
            ssl = conn.execute("select ssl from pg_stat_ssl where pid = pg_backend_pid()").fetchone()[0]
            conn.execute("insert into app.e2e values (1, 'hello') on conflict (id) do nothing")
            conn.commit()
        with pgplat.connect() as conn:
            note = conn.execute("select note from app.e2e where id = 1").fetchone()[0]
            mode = conn.info.get_parameters().get("sslmode") or conn.pgconn.info and [
                o.val.decode() for o in conn.pgconn.info if o.keyword == b"sslmode"][0]
            try:
                conn.execute("create table app.e2e_ddl (id int)")
                ddl = "ddl"
            except psycopg.errors.InsufficientPrivilege:
                ddl = "no-ddl"
        print(ssl, note, mode, ddl)
        """
    )
    done = subprocess.run(
        [str(clone / ".venv/bin/python"), "-c", app],
        cwd=clone / PROJECT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    config = job.load()
    owner = next(u for u in config.database.users if u.name == app_user(config)).access == "owner"
    assert done.stdout.split() == ["True", "hello", "verify-full", "ddl" if owner else "no-ddl"]


@pytest.mark.slow
def test_down_stops_what_up_started(
    job: MainJob, clone: Path, ran: subprocess.CompletedProcess[str]
) -> None:
    assert ran.returncode == 0
    pgplat = str(clone / ".venv/bin/pgplat")
    done = subprocess.run(
        [pgplat, "down", "--config", job.config],
        cwd=clone,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "stopped" in done.stdout
    status = subprocess.run(
        [pgplat, "-c", job.config, "dev", "status"],
        cwd=clone,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert status.returncode == 3  # not running


def test_broken_config_stops_before_anything_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "pgplat.yaml"
    bad.write_text((REPO / CONFIG).read_text().replace("readers: 2", "readers: 99"))
    done = subprocess.run(
        [sys.executable, "-m", "pgplat", "up", "--config", str(bad)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert "environments.prod.readers" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pgplat.yaml"]
