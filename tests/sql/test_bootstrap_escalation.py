"""The bootstrap SQL never lets a configured user name or an access change widen privileges:
it refuses to turn a NOLOGIN group role into a login user (or a user into a group), and a
user moved to another level loses the memberships of its former one (an owner moved to
read-write can no longer create). Run on the shared real server, in
a database and schema of its own (roles are server-wide: every name here starts ``esc``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import errors, sql

from pgplat.config.model import PgplatConfig
from pgplat.local.cluster import ServerInfo
from pgplat.sql import bootstrap_sql
from tests.sql.probe_configs import probe_config

DATABASE = "escalation_probe"
SCHEMA = "esc"
Access = Literal["owner", "read-write", "read-only"]
LEVELS: list[Access] = ["owner", "read-write", "read-only"]


def _config(innovate: PgplatConfig, users: list[tuple[str, Access]]) -> PgplatConfig:
    return probe_config(innovate, DATABASE, SCHEMA, users)


@pytest.fixture(scope="module")
def probe_db(local_pg: ServerInfo) -> Iterator[ServerInfo]:
    with psycopg.connect(local_pg.admin_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    yield local_pg
    with psycopg.connect(local_pg.admin_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        roles = conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'esc%' ORDER BY rolname"
        ).fetchall()
        for (role,) in roles:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _bootstrap(info: ServerInfo, config: PgplatConfig) -> None:
    with psycopg.connect(info.admin_conninfo(DATABASE), autocommit=True) as conn:
        conn.execute(bootstrap_sql(config, target="local").encode())


def _can_write(info: ServerInfo, user: str) -> bool:
    with psycopg.connect(info.admin_conninfo(DATABASE), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS esc.probe (id int)")
        row = conn.execute(
            "SELECT has_table_privilege(%s, 'esc.probe', 'INSERT')"
            " OR has_table_privilege(%s, 'esc.probe', 'DELETE')",
            [user, user],
        ).fetchone()
    return row == (True,)


def _can_create(info: ServerInfo, user: str) -> bool:
    with psycopg.connect(info.admin_conninfo(DATABASE)) as conn:
        row = conn.execute("SELECT has_schema_privilege(%s, 'esc', 'CREATE')", [user]).fetchone()
    return row == (True,)


def _logins(info: ServerInfo) -> set[str]:
    with psycopg.connect(info.admin_conninfo(DATABASE)) as conn:
        rows = conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'esc%' AND rolcanlogin"
        ).fetchall()
    return {name for (name,) in rows}


@pytest.mark.parametrize("access", LEVELS)
@pytest.mark.parametrize("group", ["esc_readonly", "esc_readwrite", "esc_owner"])
def test_a_user_named_like_a_group_role_is_refused_and_nothing_changes(
    innovate: PgplatConfig, probe_db: ServerInfo, group: str, access: Access
) -> None:
    _bootstrap(probe_db, _config(innovate, [("esc_reporter", "read-only")]))
    hostile = _config(innovate, [("esc_reporter", "read-only"), (group, access)])
    with pytest.raises(errors.RaiseException, match=rf"{group}.*group role"):
        _bootstrap(probe_db, hostile)
    assert _logins(probe_db) == {"esc_reporter"}
    assert not _can_write(probe_db, "esc_reporter")
    assert not _can_write(probe_db, "esc_readonly")


USERS = st.lists(
    st.tuples(st.sampled_from(["esc_a", "esc_b"]), st.sampled_from(LEVELS)),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=USERS)
def test_after_any_history_of_access_changes_a_user_has_only_its_current_access(
    innovate: PgplatConfig, probe_db: ServerInfo, history: list[tuple[str, Access]]
) -> None:
    current: dict[str, Access] = {}
    for name, access in history:
        current[name] = access
        _bootstrap(probe_db, _config(innovate, sorted(current.items())))
    for name, access in current.items():
        assert _can_write(probe_db, name) == (access != "read-only"), (name, access)
        assert _can_create(probe_db, name) == (access == "owner"), (name, access)


def test_a_group_role_that_could_log_in_is_refused(
    innovate: PgplatConfig, probe_db: ServerInfo
) -> None:
    with psycopg.connect(probe_db.admin_conninfo(DATABASE), autocommit=True) as conn:
        conn.execute("CREATE ROLE escp_readonly LOGIN")
    config = _config(innovate, [("esc_viewer", "read-only")])
    planted = config.model_copy(
        update={"database": config.database.model_copy(update={"schema_name": "escp"})}
    )
    with pytest.raises(errors.RaiseException, match=r"escp_readonly.*can log in"):
        _bootstrap(probe_db, planted)
    assert "esc_viewer" not in _logins(probe_db)
