"""A streaming standby made by cold copy follows its primary and can be promoted."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors

from pgplat.config.model import PgplatConfig
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.standby import make_standby, promote
from tests.fixtures.postgres import server_root


@pytest.fixture(scope="module")
def pair(innovate: PgplatConfig) -> Iterator[tuple[LocalCluster, LocalCluster]]:
    base = server_root("standby")
    primary = LocalCluster(innovate, base / "primary", port=0)
    primary.up()
    with psycopg.connect(primary.info().conninfo("web"), autocommit=True) as conn:
        conn.execute("CREATE TABLE app.events (id int PRIMARY KEY)")
        conn.execute("INSERT INTO app.events VALUES (1)")
    standby = make_standby(primary, base / "standby")
    yield primary, standby
    standby.destroy()
    primary.destroy()
    shutil.rmtree(base, ignore_errors=True)


def _ids(info: ServerInfo) -> list[int]:
    with psycopg.connect(info.conninfo("reporting")) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM app.events ORDER BY id").fetchall()]


def test_standby_streams_from_the_primary_and_is_read_only(
    pair: tuple[LocalCluster, LocalCluster],
) -> None:
    primary, standby = pair
    with psycopg.connect(primary.info().conninfo("web"), autocommit=True) as conn:
        conn.execute("INSERT INTO app.events VALUES (2)")
    deadline = time.monotonic() + 10
    while _ids(standby.info()) != [1, 2] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _ids(standby.info()) == [1, 2]
    with psycopg.connect(standby.info().conninfo("web")) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        with pytest.raises(errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO app.events VALUES (3)")


def test_promoted_standby_accepts_writes_with_the_same_ca_and_passwords(
    pair: tuple[LocalCluster, LocalCluster],
) -> None:
    primary, standby = pair
    primary.crash()
    info = promote(standby)
    assert info.ca_file.read_bytes() == primary.tls.ca_cert.read_bytes()
    with psycopg.connect(info.conninfo("web"), autocommit=True) as conn:
        conn.execute("INSERT INTO app.events VALUES (3)")
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
    assert _ids(info) == [1, 2, 3]
