"""The bootstrap SQL runs twice without error and gives each user exactly its privileges."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors
from typer.testing import CliRunner

from pgplat.commands.app import app
from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.local.cluster import ServerInfo
from pgplat.sql import bootstrap_sql
from tests.fixtures.examples import INNOVATE


def test_bootstrap_is_idempotent_for_both_targets(
    innovate: PgplatConfig, local_pg: ServerInfo
) -> None:
    with psycopg.connect(local_pg.admin_conninfo(), autocommit=True) as conn:
        for target in ("local", "rds", "local"):  # the local stand-in rds_iam lets both run
            conn.execute(bootstrap_sql(innovate, target=target).encode())
        members = conn.execute(
            "SELECT r.rolname, g.rolname FROM pg_auth_members m "
            "JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid "
            "WHERE 'web' IN (r.rolname, g.rolname) OR r.rolname = 'reporting' ORDER BY 1, 2"
        ).fetchall()
    assert members == [  # and the bootstrapping user kept no membership in web
        ("reporting", "app_readonly"),
        ("web", "app_owner"),
        ("web", "rds_iam"),
    ]


def test_read_only_user_reads_but_cannot_write(local_pg: ServerInfo) -> None:
    with psycopg.connect(local_pg.conninfo("web"), autocommit=True) as web:
        web.execute("CREATE TABLE privileges_probe (id int PRIMARY KEY, note text)")
        web.execute("INSERT INTO privileges_probe VALUES (1, 'written by web')")
    try:
        with psycopg.connect(local_pg.conninfo("reporting"), autocommit=True) as reporting:
            assert reporting.execute("SELECT note FROM privileges_probe").fetchone() == (
                "written by web",
            )
            with pytest.raises(errors.InsufficientPrivilege):
                reporting.execute("INSERT INTO privileges_probe VALUES (2, 'nope')")
            with pytest.raises(errors.InsufficientPrivilege):
                reporting.execute("CREATE TABLE app.reporting_table (id int)")
            with pytest.raises(errors.InsufficientPrivilege):
                reporting.execute("CREATE TABLE public.reporting_table (id int)")
    finally:
        with psycopg.connect(local_pg.conninfo("web"), autocommit=True) as web:
            web.execute("DROP TABLE privileges_probe")


def test_users_are_not_superusers_and_cannot_create_roles(local_pg: ServerInfo) -> None:
    with psycopg.connect(local_pg.admin_conninfo()) as conn:
        rows = conn.execute(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles "
            "WHERE rolname IN ('web', 'reporting', 'rds_iam') ORDER BY 1"
        ).fetchall()
    assert rows == [
        ("rds_iam", False, False, False, False),
        ("reporting", False, False, False, True),
        ("web", False, False, False, True),
    ]


def test_rds_target_grants_rds_iam_to_iam_users_only_and_carries_no_secret(
    innovate: PgplatConfig,
) -> None:
    script = bootstrap_sql(innovate, target="rds")
    assert 'GRANT rds_iam TO "web";' in script
    assert 'GRANT rds_iam TO "reporting"' not in script
    assert 'CREATE ROLE "rds_iam"' not in script  # RDS has the real one
    assert "PASSWORD" not in script.upper()


def test_cli_prints_the_prod_bootstrap(innovate: PgplatConfig) -> None:
    result = CliRunner().invoke(
        app, ["-q", "-c", str(INNOVATE), "sql", "bootstrap", "--env", "prod"]
    )
    assert result.exit_code == 0
    assert result.stdout == bootstrap_sql(innovate, target="rds")


def test_cli_rejects_unknown_environment_with_a_user_error() -> None:
    result = CliRunner().invoke(app, ["-q", "-c", str(INNOVATE), "sql", "bootstrap", "-e", "qa"])
    assert isinstance(result.exception, UserError)
    assert str(result.exception) == "--env qa: choose local or one of prod, dev"
