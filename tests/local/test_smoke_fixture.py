"""The shared ``local_pg`` fixture gives a verify-full TLS server with the configured users."""

from __future__ import annotations

import psycopg

from pgplat.local.cluster import ServerInfo


def test_local_pg_accepts_verify_full_for_every_configured_user(local_pg: ServerInfo) -> None:
    for user in ("web", "reporting", "postgres"):
        with psycopg.connect(local_pg.conninfo(user)) as conn:
            row = conn.execute(
                "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            ).fetchone()
        assert row == (user, True)
