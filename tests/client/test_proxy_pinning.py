"""Behind RDS Proxy (``PGPLAT_PROXY=1``, written into the ConfigMap) `pgplat.connect` prepares
no server-side statements, which would pin the session; without it psycopg prepares a query
from its fifth execution. Against the real local server."""

from __future__ import annotations

import pytest

import pgplat.client as pgplat
from pgplat.local.cluster import ServerInfo

pytestmark = pytest.mark.slow

REPEATS = 8
"""More executions of one query than psycopg's default prepare_threshold (5)."""


def _prepared_after_repeats(conn: pgplat.Connection) -> int:
    for _ in range(REPEATS):
        conn.execute("SELECT %s::int + 1", [1]).fetchone()
    row = conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(("flag", "threshold"), [("1", None), ("", 5)], ids=["proxy", "direct"])
def test_behind_the_proxy_nothing_is_prepared(
    client_env: pytest.MonkeyPatch, local_pg: ServerInfo, flag: str, threshold: int | None
) -> None:
    for name, value in local_pg.env("web").items():
        client_env.setenv(name, value)
    client_env.setenv("PGPLAT_PROXY", flag)
    with pgplat.connect() as conn:
        assert conn.prepare_threshold == threshold
        prepared = _prepared_after_repeats(conn)
    assert (prepared == 0) == (threshold is None)


def test_the_flag_reaches_pooled_connections(
    client_env: pytest.MonkeyPatch, local_pg: ServerInfo
) -> None:
    for name, value in local_pg.env("web").items():
        client_env.setenv(name, value)
    client_env.setenv("PGPLAT_PROXY", "true")
    with pgplat.pool(min_size=1, max_size=1) as pool, pool.connection() as conn:
        assert conn.prepare_threshold is None
        assert _prepared_after_repeats(conn) == 0
