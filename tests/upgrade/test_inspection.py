"""The data prerequisites, read from a real server's catalogs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgplat.local.cluster import ServerInfo
from pgplat.upgrade.inspection import SHOWN, inspect_conninfo
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE

pytestmark = pytest.mark.slow

DATABASE = "upgrade_inspection"


@pytest.fixture
def database(local_pg: ServerInfo) -> Iterator[str]:
    """An empty database of its own on the shared server, dropped afterwards."""
    with psycopg.connect(local_pg.admin_conninfo(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    yield local_pg.admin_conninfo(DATABASE)
    with psycopg.connect(local_pg.admin_conninfo(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {DATABASE} WITH (FORCE)")


def _run(conninfo: str, *statements: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _by_check(conninfo: str) -> dict[str, tuple[str, str]]:
    return {p.check: (p.status, p.detail) for p in inspect_conninfo(conninfo)}


def test_a_clean_schema_has_no_blocker(database: str) -> None:
    _run(database, "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric)")
    found = _by_check(database)
    assert found["replica-identity"][0] == "ok"
    assert not [c for c, (status, _) in found.items() if status == "blocker"]


def test_a_table_without_primary_key_is_a_blocker_naming_it(database: str) -> None:
    _run(
        database,
        "CREATE SCHEMA app",
        'CREATE TABLE app."Events" (at timestamptz, body text)',
        "CREATE TABLE app.keyed (id int PRIMARY KEY)",
        "CREATE TABLE app.full_identity (body text)",
        "ALTER TABLE app.full_identity REPLICA IDENTITY FULL",
    )
    status, detail = _by_check(database)["replica-identity"]
    assert status == "blocker"
    assert 'app."Events"' in detail
    assert "keyed" not in detail
    assert "full_identity" not in detail


def test_unlogged_tables_and_large_objects_are_blockers(database: str) -> None:
    _run(
        database,
        "CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY)",
        "SELECT lo_from_bytea(0, 'blob')",
    )
    found = _by_check(database)
    assert found["unlogged-tables"] == ("blocker", found["unlogged-tables"][1])
    assert "public.scratch" in found["unlogged-tables"][1]
    assert found["large-objects"][0] == "blocker"
    assert found["large-objects"][1].startswith("1 large object")


def test_sequences_and_materialized_views_are_warnings(database: str) -> None:
    _run(
        database,
        "CREATE TABLE t (id bigserial PRIMARY KEY)",
        "CREATE MATERIALIZED VIEW totals AS SELECT count(*) FROM t",
    )
    found = _by_check(database)
    assert found["sequences"] == ("warning", found["sequences"][1])
    assert "public.t_id_seq" in found["sequences"][1]
    assert found["materialized-views"][0] == "warning"


def test_long_lists_are_cut_and_counted(database: str) -> None:
    _run(database, *(f"CREATE TABLE heap{i} (v int)" for i in range(SHOWN + 3)))
    detail = _by_check(database)["replica-identity"][1]
    assert detail.startswith(f"{SHOWN + 3} table(s)")
    assert "and 3 more" in detail


def test_tables_that_extensions_own_are_not_the_users_problem(database: str) -> None:
    _run(database, "CREATE EXTENSION pg_stat_statements")
    found = _by_check(database)
    assert found["replica-identity"][0] == "ok"
    assert "pg_stat_statements" in found["extension-versions"][1]


def test_the_cli_inspects_the_database_and_exits_1_on_a_blocker(
    database: str, run_cli: RunCli, tmp_path: Path
) -> None:
    _run(database, "CREATE TABLE nokey (v int)")
    result = run_cli(
        "-c", str(INNOVATE), "-o", "json", "upgrade", "plan", "--to", "17", "--inspect", database
    )
    assert result.returncode == 1, result.stderr
    plan = json.loads(result.stdout)
    blockers = {p["check"] for p in plan["prerequisites"] if p["status"] == "blocker"}
    assert blockers == {"logical-replication", "target-parameter-group", "replica-identity"}
    assert plan["inspected"] == "conninfo"


def test_an_unreachable_database_is_one_line_without_the_password(run_cli: RunCli) -> None:
    conninfo = "host=127.0.0.1 port=9 dbname=x user=u password=hunter2-secret connect_timeout=2"
    result = run_cli("-c", str(INNOVATE), "upgrade", "plan", "--inspect", conninfo)
    assert result.returncode == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1
    assert "cannot inspect the --inspect database" in error[0]
    assert "hunter2" not in result.stderr + result.stdout
