"""The three access levels on a real server: the owner runs DDL, read-write only moves rows,
read-only only reads, and what the owner creates is usable by the other two at once.

Run on the shared server in a database and schema of their own (roles are server-wide:
every name here starts ``lvl``); each user acts through ``SET ROLE`` from the superuser, which
gives exactly that role's privileges.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors, sql

from pgplat.config.model import PgplatConfig
from pgplat.local.cluster import ServerInfo
from pgplat.sql import PROBE_TABLE, bootstrap_sql, probe_table_ddl
from tests.sql.probe_configs import probe_config

DATABASE = "levels_probe"
SCHEMA = "lvl"
USERS = {"lvl_migrator": "owner", "lvl_api": "read-write", "lvl_report": "read-only"}


def _config(innovate: PgplatConfig) -> PgplatConfig:
    return probe_config(innovate, DATABASE, SCHEMA, USERS.items())


def _as(conn: psycopg.Connection, user: str, statement: str) -> list[tuple[object, ...]]:
    """Run ``statement`` with exactly ``user``'s privileges, in a transaction that is kept."""
    with conn.transaction():
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(user)))
        cursor = conn.execute(statement.encode())
        return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="module")
def levels(innovate: PgplatConfig, local_pg: ServerInfo) -> Iterator[psycopg.Connection]:
    """The probe database after an old-style bootstrap (read-write could CREATE) and then the
    current one on both targets, as a superuser connection to it."""
    with psycopg.connect(local_pg.admin_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    config = _config(innovate)
    conn = psycopg.connect(local_pg.admin_conninfo(DATABASE), autocommit=True)
    conn.execute(f"CREATE ROLE {SCHEMA}_readwrite NOLOGIN; CREATE SCHEMA {SCHEMA}")
    conn.execute(f"GRANT USAGE, CREATE ON SCHEMA {SCHEMA} TO {SCHEMA}_readwrite")
    for target in ("local", "rds", "local"):
        conn.execute(bootstrap_sql(config, target=target).encode())
    yield conn
    conn.close()
    with psycopg.connect(local_pg.admin_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        for (role,) in admin.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'lvl%' ORDER BY rolname DESC"
        ).fetchall():
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_read_write_and_read_only_cannot_create_and_the_owner_can(
    levels: psycopg.Connection,
) -> None:
    for user in ("lvl_api", "lvl_report"):
        with pytest.raises(errors.InsufficientPrivilege):
            _as(levels, user, f"CREATE TABLE {SCHEMA}.{user}_table (id int)")
        with pytest.raises(errors.InsufficientPrivilege):
            _as(levels, user, f"CREATE TABLE public.{user}_table (id int)")
    _as(
        levels,
        "lvl_migrator",
        f"CREATE TABLE {SCHEMA}.created (id int); DROP TABLE {SCHEMA}.created",
    )


def test_what_the_owner_creates_the_others_use_at_their_level(levels: psycopg.Connection) -> None:
    _as(
        levels,
        "lvl_migrator",
        f"CREATE TABLE {SCHEMA}.orders (id bigserial PRIMARY KEY, note text)",
    )
    try:
        _as(levels, "lvl_api", f"INSERT INTO {SCHEMA}.orders (note) VALUES ('by api')")
        _as(levels, "lvl_api", f"UPDATE {SCHEMA}.orders SET note = 'changed'")
        assert _as(levels, "lvl_report", f"SELECT id, note FROM {SCHEMA}.orders") == [
            (1, "changed")
        ]
        with pytest.raises(errors.InsufficientPrivilege):
            _as(levels, "lvl_report", f"INSERT INTO {SCHEMA}.orders (note) VALUES ('no')")
        with pytest.raises(errors.InsufficientPrivilege):
            _as(levels, "lvl_api", f"ALTER TABLE {SCHEMA}.orders ADD COLUMN extra int")
        with pytest.raises(errors.InsufficientPrivilege):
            _as(levels, "lvl_api", f"DROP TABLE {SCHEMA}.orders")
        _as(levels, "lvl_migrator", f"ALTER TABLE {SCHEMA}.orders ADD COLUMN extra int")
        _as(levels, "lvl_migrator", f"DELETE FROM {SCHEMA}.orders")  # migrations move rows too
    finally:
        _as(levels, "lvl_migrator", f"DROP TABLE {SCHEMA}.orders")


def test_the_owner_group_owns_the_schema_and_the_bootstrapper_keeps_no_membership(
    levels: psycopg.Connection,
) -> None:
    owner = levels.execute(
        "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = %s", [SCHEMA]
    ).fetchone()
    assert owner == (f"{SCHEMA}_owner",)
    members = levels.execute(
        "SELECT r.rolname, g.rolname FROM pg_auth_members m "
        "JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid "
        "WHERE g.rolname LIKE 'lvl%' ORDER BY 1, 2"
    ).fetchall()
    assert members == [
        ("lvl_api", "lvl_readwrite"),
        ("lvl_migrator", "lvl_owner"),
        ("lvl_owner", "lvl_readwrite"),
        ("lvl_report", "lvl_readonly"),
    ]


def test_the_drills_probe_table_is_made_for_the_read_write_user(
    levels: psycopg.Connection,
) -> None:
    """Drills write as the application's user; a read-write one may not create the table, and
    PostgreSQL refuses it even CREATE TABLE IF NOT EXISTS on the table that is there."""
    table = f"{SCHEMA}.{PROBE_TABLE}"
    _as(levels, "lvl_api", f"INSERT INTO {table} (drill, seq) VALUES ('d', 1)")
    assert _as(levels, "lvl_api", f"SELECT seq FROM {table} WHERE drill = 'd'") == [(1,)]
    _as(levels, "lvl_api", f"DELETE FROM {table} WHERE drill = 'd'")
    assert _as(levels, "lvl_report", f"SELECT count(*) FROM {table}") == [(0,)]
    with pytest.raises(errors.InsufficientPrivilege):
        _as(levels, "lvl_api", probe_table_ddl(SCHEMA))
    owner = levels.execute(
        "SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = %s",
        [SCHEMA, PROBE_TABLE],
    ).fetchone()
    assert owner == (f"{SCHEMA}_owner",)
