"""`pgplat.connect` and friends: typed for users' type checkers, imported lazily at run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mypy import api

SNIPPET = """\
import pgplat

conn = pgplat.connect()
reveal_type(conn)
reveal_type(pgplat.pool)
"""


@pytest.mark.slow
def test_type_checkers_see_the_client_api_not_object(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    stdout, stderr, _ = api.run(
        ["--strict", "--cache-dir", str(tmp_path / "cache"), "--no-error-summary", str(snippet)]
    )
    revealed = [
        line.split("Revealed type is ")[1] for line in stdout.splitlines() if "Revealed" in line
    ]
    assert revealed[0] == '"pgplat.client.connection.Connection"', stdout + stderr
    assert revealed[1].endswith(
        '-> psycopg_pool.pool.ConnectionPool[pgplat.client.connection.Connection]"'
    )


def test_import_pgplat_loads_neither_psycopg_nor_boto3() -> None:
    code = "import sys, pgplat; print(sorted({'psycopg', 'boto3'} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
    connect = subprocess.run(
        [sys.executable, "-c", "import pgplat; print(pgplat.connect.__module__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert connect.stdout.strip() == "pgplat.client.api"
