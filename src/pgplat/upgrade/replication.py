"""Logical replication from blue to green, as a Blue/Green deployment runs it for a major.

Blue publishes every table; green subscribes, copies each table once, then applies changes
as they commit. At the switchover blue stops taking writes, green catches up to blue's last
WAL position, sequences are carried over (logical replication does not carry them), and the
subscription is dropped together with its slot on blue.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from pgplat.errors import UserError

NAME = "pgplat_upgrade"
"""The publication, subscription and replication slot of a rehearsal."""
POLL_SECONDS = 0.02

Conn = psycopg.Connection[Any]


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll ``predicate`` until true; the seconds it took, or a UserError naming ``what``."""
    began = time.monotonic()
    while not predicate():
        if time.monotonic() - began > timeout:
            raise UserError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(POLL_SECONDS)
    return time.monotonic() - began


def publish(blue: Conn) -> None:
    blue.execute(sql.SQL("CREATE PUBLICATION {} FOR ALL TABLES").format(sql.Identifier(NAME)))


def subscribe(green: Conn, blue_conninfo: str) -> None:
    green.execute(
        sql.SQL("CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {}").format(
            sql.Identifier(NAME), sql.Literal(blue_conninfo), sql.Identifier(NAME)
        )
    )


def initial_sync_done(green: Conn) -> bool:
    """Every subscribed table copied and streaming (state 'r', ready)."""
    row = green.execute(
        "SELECT count(*) FILTER (WHERE srsubstate <> 'r'), count(*) FROM pg_subscription_rel"
    ).fetchone()
    assert row is not None
    return bool(row[1]) and row[0] == 0


def _slot_position(blue: Conn, expression: str, *params: str) -> Any:
    """``expression`` over the rehearsal's slot on blue (``%s`` placeholders: ``params``)."""
    query = sql.SQL("SELECT {} FROM pg_replication_slots WHERE slot_name = %s")
    row = blue.execute(query.format(sql.SQL(expression)), [*params, NAME]).fetchone()
    if row is None or row[0] is None:
        raise UserError(f"blue has no replication slot {NAME}; was the rehearsal interrupted?")
    return row[0]


def lag_bytes(blue: Conn) -> int:
    """How far green's confirmed position trails blue's current WAL position, in bytes."""
    return max(
        int(_slot_position(blue, "pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)")), 0
    )


def current_lsn(blue: Conn) -> str:
    row = blue.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    return str(row[0])


def caught_up(blue: Conn, lsn: str) -> bool:
    """Green has confirmed everything blue wrote up to ``lsn``."""
    return bool(_slot_position(blue, "confirmed_flush_lsn >= %s::pg_lsn", lsn))


def stop_writes(blue: Conn) -> None:
    """Blue refuses writes from here on: new transactions are read-only, open ones end."""
    blue.execute("ALTER SYSTEM SET default_transaction_read_only = on")
    blue.execute("SELECT pg_reload_conf()")
    blue.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() "
        "AND datname = current_database()"
    )


def copy_sequences(blue: Conn, green: Conn) -> int:
    """Set every sequence on green to blue's value; how many there were."""
    rows = blue.execute(
        "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
        "WHERE last_value IS NOT NULL"
    ).fetchall()
    for name, value in rows:
        green.execute("SELECT setval(%s::regclass, %s, true)", [name, value])
    return len(rows)


def detach(green: Conn) -> None:
    """Drop the subscription on green; its slot on blue goes with it."""
    green.execute(sql.SQL("DROP SUBSCRIPTION {}").format(sql.Identifier(NAME)))
