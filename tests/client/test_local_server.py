"""`pgplat.connect` against the real local server: verify-full with the local CA, a wrong CA
refused, read-only sessions, Secrets Manager rotation mid-run, pools, SQLAlchemy, Django,
asyncio, and what is (and is not) retried."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import psycopg
import pytest
from moto import mock_aws
from psycopg import sql
from sqlalchemy import text

import pgplat.client as pgplat
from pgplat.client.connection import target_for
from pgplat.client.sqlalchemy import engine
from pgplat.local.cluster import ServerInfo
from tests.fixtures.certs import self_signed_cert

pytestmark = pytest.mark.slow

REGION = "eu-west-1"
ROTATED_ROLE = "pgplat_client_rotation"


@pytest.fixture
def web_env(client_env: pytest.MonkeyPatch, local_pg: ServerInfo) -> pytest.MonkeyPatch:
    for name, value in local_pg.env("web").items():
        client_env.setenv(name, value)
    return client_env


def _self_signed_ca(path: Path) -> Path:
    path.write_bytes(self_signed_cert("someone else's CA", days=1))
    return path


def test_password_over_verified_tls(web_env: pytest.MonkeyPatch) -> None:
    web_env.setenv("POD_NAMESPACE", "shop")
    web_env.setenv("POD_SERVICE_ACCOUNT", "checkout")
    before = pgplat.metrics.snapshot()["connects"]
    with pgplat.connect() as conn:
        row = conn.execute(
            "SELECT current_user, ssl, current_setting('application_name')"
            " FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
    assert row == ("web", True, "shop.checkout")
    assert pgplat.metrics.snapshot()["connects"] == before + 1


def test_a_server_certificate_from_another_ca_is_refused(
    web_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wrong_ca = _self_signed_ca(tmp_path / "other-ca.pem")
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        pgplat.connect(sslrootcert=str(wrong_ca))
    assert time.monotonic() - started < 2, "a certificate failure is not worth retrying"


def test_a_wrong_static_password_is_a_credentials_error(web_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(pgplat.CredentialsError, match="rejected the credentials"):
        pgplat.connect(password="not-the-password")


def test_readonly_sessions_refuse_writes(web_env: pytest.MonkeyPatch) -> None:
    with (
        pgplat.connect(readonly=True) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("CREATE TEMP TABLE t (x int)")


@pytest.fixture
def rotated_role(local_pg: ServerInfo) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A login role of our own whose password the test rotates; the admin connection to do it."""
    with psycopg.connect(local_pg.admin_conninfo(), autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'first-password'").format(
                sql.Identifier(ROTATED_ROLE)
            )
        )
        admin.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(local_pg.dbname), sql.Identifier(ROTATED_ROLE)
            )
        )
        yield admin
        admin.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(
                sql.Identifier(local_pg.dbname), sql.Identifier(ROTATED_ROLE)
            )
        )
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(ROTATED_ROLE)))


def test_secret_rotation_mid_run_reaches_no_caller(
    client_env: pytest.MonkeyPatch,
    local_pg: ServerInfo,
    rotated_role: psycopg.Connection[tuple[object, ...]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    for logger in ("pgplat.client", "psycopg", "botocore.parsers"):
        caplog.set_level(logging.DEBUG, logger=logger)
    client_env.setenv("AWS_ACCESS_KEY_ID", "testing")
    client_env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        sm = boto3.client("secretsmanager", region_name=REGION)
        secret = {"username": ROTATED_ROLE, "password": "first-password"}
        arn = sm.create_secret(Name="app/rotated", SecretString=json.dumps(secret))["ARN"]
        for name, value in {
            "PGHOST": local_pg.host,
            "PGPORT": str(local_pg.port),
            "PGDATABASE": local_pg.dbname,
            "PGSSLROOTCERT": str(local_pg.ca_file),
            "PGPLAT_AUTH": "secret",
            "PGPLAT_SECRET_ARN": arn,
            "PGPLAT_REGION": REGION,
        }.items():
            client_env.setenv(name, value)

        def whoami(conn: psycopg.Connection[tuple[object, ...]]) -> object:
            row = conn.execute("SELECT current_user").fetchone()
            assert row is not None
            return row[0]

        with pgplat.pool(min_size=1, max_size=2) as pool:
            assert pgplat.run_transaction(whoami, idempotent=True, pool=pool) == ROTATED_ROLE
            before = pgplat.metrics.snapshot()["credential_refreshes"]

            # Single-user rotation: the server's password changes, then the secret does.
            rotated_role.execute(
                sql.SQL("ALTER ROLE {} PASSWORD 'second-password'").format(
                    sql.Identifier(ROTATED_ROLE)
                )
            )
            secret["password"] = "second-password"
            sm.put_secret_value(SecretId=arn, SecretString=json.dumps(secret))

            with pgplat.connect() as conn:  # the cached password is stale: refreshed silently
                assert whoami(conn) == ROTATED_ROLE
            pool.drain()  # every pooled connection is replaced, with the new password
            assert pgplat.run_transaction(whoami, idempotent=True, pool=pool) == ROTATED_ROLE
            assert pgplat.metrics.snapshot()["credential_refreshes"] == before + 1
    assert "rejected by" in caplog.text  # the refresh is logged ...
    assert "first-password" not in caplog.text  # ... without any password
    assert "second-password" not in caplog.text


def test_sqlalchemy_engine_connects_through_pgplat(web_env: pytest.MonkeyPatch) -> None:
    before = pgplat.metrics.snapshot()["connects"]
    db = engine(pool_size=1)
    try:
        with db.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == "web"
    finally:
        db.dispose()
    assert pgplat.metrics.snapshot()["connects"] == before + 1


def test_asyncio_twins(web_env: pytest.MonkeyPatch) -> None:
    async def scenario() -> tuple[object, object]:
        async with await pgplat.connect_async(readonly=True) as conn:
            cursor = await conn.execute("SELECT current_setting('default_transaction_read_only')")
            readonly = (await cursor.fetchone() or [None])[0]

        async def whoami(conn: pgplat.AsyncConnection) -> object:
            cursor = await conn.execute("SELECT current_user")
            return (await cursor.fetchone() or [None])[0]

        async with pgplat.async_pool(max_size=2) as pool:
            user = await pgplat.run_transaction_async(whoami, idempotent=True, pool=pool)
        return readonly, user

    assert asyncio.run(scenario()) == ("on", "web")


def test_django_database_connects_through_pgplat(web_env: pytest.MonkeyPatch) -> None:
    import django
    from django.conf import settings
    from django.db import connections

    from pgplat.client.django import database

    settings.configure(
        DATABASES={"default": database(pool_options={"min_size": 1, "max_size": 2})}, USE_TZ=True
    )
    django.setup()
    before = pgplat.metrics.snapshot()["connects"]
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT current_user, current_setting('application_name')")
            user, application = cursor.fetchone()
    finally:
        connections["default"].close()
        connections["default"].close_pool()
    assert user == "web"
    assert application == pgplat.load_settings().application_name
    assert pgplat.metrics.snapshot()["connects"] > before


def test_an_endpoint_that_stays_down_is_database_unavailable(
    web_env: pytest.MonkeyPatch,
) -> None:
    """Retried for the budget (a pool's connections wait through restarts, as every
    connection to a cloud endpoint does), then the last error is said and chained."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = pgplat.load_settings(host="127.0.0.1", port=closed_port, failover_timeout=1)
    target = replace(target_for(settings, readonly=False), through_restarts=True)
    before = pgplat.metrics.snapshot()["retries"]
    started = time.monotonic()
    with pytest.raises(
        pgplat.DatabaseUnavailable,
        match=r"still failing after 1 s; last error OperationalError: .*Connection refused",
    ) as raised:
        pgplat.Connection.connect(pgplat_target=target)
    assert time.monotonic() - started < 3
    assert pgplat.metrics.snapshot()["retries"] > before + 2
    assert isinstance(raised.value.__cause__, psycopg.OperationalError)


def test_errors_that_are_not_failovers_are_raised_at_once(web_env: pytest.MonkeyPatch) -> None:
    before = pgplat.metrics.snapshot()["retries"]

    def divide(conn: pgplat.Connection) -> object:
        return conn.execute("SELECT 1 / 0").fetchone()

    with pgplat.pool(max_size=1) as pool, pytest.raises(psycopg.errors.DivisionByZero):
        pgplat.run_transaction(divide, idempotent=True, pool=pool)
    assert pgplat.metrics.snapshot()["retries"] == before
