"""Production parity on prod's major (14) and a newer one (17): same database, users,
privileges, extensions, UTC and TLS settings."""

from __future__ import annotations

import psycopg
import pytest

from pgplat.local.cluster import ServerInfo


@pytest.fixture(params=[14, 17], ids=["pg14", "pg17"])
def server(request: pytest.FixtureRequest) -> ServerInfo:
    name = "local_pg" if request.param == 14 else "local_pg17"
    info: ServerInfo = request.getfixturevalue(name)
    assert info.major == request.param
    return info


def test_server_runs_the_major_it_claims(server: ServerInfo) -> None:
    with psycopg.connect(server.conninfo("web")) as conn:
        assert conn.info.server_version // 10000 == server.major


def test_settings_mirror_production(server: ServerInfo) -> None:
    with psycopg.connect(server.admin_conninfo()) as conn:
        settings = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('ssl', 'TimeZone', "
                "'password_encryption', 'shared_preload_libraries', 'listen_addresses', 'fsync')"
            ).fetchall()
        )
        extensions = {r[0] for r in conn.execute("SELECT extname FROM pg_extension").fetchall()}
        statements = conn.execute("SELECT count(*) >= 0 FROM pg_stat_statements").fetchone()
    assert settings == {
        "ssl": "on",
        "TimeZone": "UTC",
        "password_encryption": "scram-sha-256",
        "shared_preload_libraries": "pg_stat_statements",
        "listen_addresses": "localhost",
        "fsync": "on",  # skipped only while the first start creates the database
    }
    assert {"pg_stat_statements", "pgcrypto"} <= extensions
    assert statements == (True,)


def test_same_database_users_and_privileges(server: ServerInfo) -> None:
    with psycopg.connect(server.conninfo("web")) as conn:
        row = conn.execute(
            "SELECT current_database(), current_schema(), "
            "has_schema_privilege('web', 'app', 'CREATE'), "
            "has_schema_privilege('reporting', 'app', 'CREATE'), "
            "has_schema_privilege('reporting', 'app', 'USAGE')"
        ).fetchone()
    assert row == (server.dbname, "app", True, False, True)


def test_read_only_user_reads_what_the_read_write_user_creates(server: ServerInfo) -> None:
    with psycopg.connect(server.conninfo("web"), autocommit=True) as web:
        web.execute("CREATE TABLE parity_probe (id int)")
        web.execute("INSERT INTO parity_probe VALUES (1)")
    try:
        with psycopg.connect(server.conninfo("reporting"), autocommit=True) as reporting:
            assert reporting.execute("SELECT id FROM parity_probe").fetchall() == [(1,)]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reporting.execute("UPDATE parity_probe SET id = 2")
    finally:
        with psycopg.connect(server.conninfo("web"), autocommit=True) as web:
            web.execute("DROP TABLE parity_probe")
