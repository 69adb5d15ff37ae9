"""The probe: a small application that keeps writing and reading through `pgplat.pool` and
`pgplat.run_transaction` while the writer fails, and logs what it saw.

Every acknowledged write carries a sequence number, so afterwards the new writer can be asked
whether each one survived. The log is the drill's evidence: the report's figures are computed
from it and nothing else (see `pgplat.drills.failover.figures`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from psycopg import sql
from psycopg_pool import ConnectionPool

from pgplat.client import Connection, metrics, pool, run_transaction
from pgplat.sql import PROBE_TABLE, probe_table_ddl

SIGNAL_POLL = 0.005
"""Seconds between looks at the client's failover counters (the detection resolution)."""

THREAD_PREFIX = "failover-probe-"

EventKind = Literal["write", "read", "error", "signal"]


@dataclass(frozen=True)
class Event:
    """One thing the probe saw, ``at`` seconds after it started."""

    at: float
    kind: EventKind
    """write/read: acknowledged; error: raised to the probe; signal: the client handled a
    failover signal (its counters moved) without the probe seeing an error."""
    seq: int | None = None
    """The write's sequence number (write, and an error raised by a write)."""
    failovers: int = 0
    retries: int = 0
    error: str = ""


class ProbeLog:
    """The probe's events in the order they happened; thread-safe, written as JSON lines."""

    def __init__(self, events: Iterable[Event] = ()) -> None:
        self._lock = threading.Lock()
        self._events = list(events)

    def add(self, event: Event) -> None:
        with self._lock:
            self._events.append(event)

    @property
    def events(self) -> list[Event]:
        with self._lock:
            return sorted(self._events, key=lambda e: e.at)

    def write(self, path: Path) -> None:
        path.write_text("".join(json.dumps(asdict(e), sort_keys=True) + "\n" for e in self.events))

    @classmethod
    def read(cls, path: Path) -> ProbeLog:
        return cls(Event(**json.loads(line)) for line in path.read_text().splitlines())


class Probe:
    """Writes and reads ``rate`` times a second each, from two threads, until `stop`.

    ``connection`` are `pgplat.pool` keyword overrides (host, port, user, ...); without them
    the probe connects exactly as the application does, from PG* variables or ``env_file``.
    """

    def __init__(
        self,
        drill_id: str,
        schema: str,
        *,
        rate: float,
        connection: Mapping[str, Any] | None = None,
        env_file: str | Path | None = ".env",
    ) -> None:
        self.drill_id = drill_id
        self.log = ProbeLog()
        self._schema = schema
        self._table = sql.Identifier(schema, PROBE_TABLE)
        self._interval = 1.0 / rate
        self._connection = dict(connection or {})
        self._env_file = env_file
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pools: list[ConnectionPool[Connection]] = []
        self._started = time.monotonic()

    def now(self) -> float:
        """Seconds since the probe started, on the clock of its log."""
        return time.monotonic() - self._started

    def prepare(self) -> None:
        """Make sure the probe table exists: pgplat's bootstrap makes it; a user that may
        create tables makes it in a database pgplat did not bootstrap. Asked first, since
        PostgreSQL refuses CREATE TABLE IF NOT EXISTS to a user without CREATE even when
        the table is there (the application's read-write user)."""
        exists = sql.SQL("SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s")
        if not self._once(exists, [self._schema, PROBE_TABLE]):
            self._once(sql.SQL(probe_table_ddl(self._schema)))

    def start(self) -> None:
        writers = self._pool(readonly=False)
        readers = self._pool(readonly=True)
        self._started = time.monotonic()
        insert = sql.SQL("INSERT INTO {} (drill, seq) VALUES (%s, %s) ON CONFLICT DO NOTHING")
        select = sql.SQL("SELECT max(seq) FROM {} WHERE drill = %s")
        loops: dict[str, Callable[[], None]] = {
            "writer": lambda: self._loop(writers, insert.format(self._table), write=True),
            "reader": lambda: self._loop(readers, select.format(self._table), write=False),
            "signals": self._watch_signals,
        }
        self._threads = [
            threading.Thread(target=loop, daemon=True, name=f"{THREAD_PREFIX}{name}")
            for name, loop in loops.items()
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the loops (a call in flight finishes or runs out of its budget) and the pools."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        for opened in self._pools:
            opened.close()
        self._pools.clear()

    def stored(self) -> set[int]:
        """The sequence numbers of this drill's writes that the current writer holds."""
        query = sql.SQL("SELECT seq FROM {} WHERE drill = %s").format(self._table)
        rows = self._once(query, [self.drill_id])
        return {int(seq) for (seq,) in rows}

    def forget(self) -> None:
        """Delete this drill's rows."""
        self._once(sql.SQL("DELETE FROM {} WHERE drill = %s").format(self._table), [self.drill_id])

    def _pool(self, *, readonly: bool) -> ConnectionPool[Connection]:
        opened = pool(readonly, min_size=1, max_size=1, env_file=self._env_file, **self._connection)
        self._pools.append(opened)
        return opened

    def _once(
        self, query: sql.SQL | sql.Composed, params: list[Any] | None = None
    ) -> list[tuple[Any, ...]]:
        def work(conn: Connection) -> list[tuple[Any, ...]]:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

        with pool(min_size=1, max_size=1, env_file=self._env_file, **self._connection) as one:
            return run_transaction(work, idempotent=True, pool=one)

    def _loop(
        self, target: ConnectionPool[Connection], query: sql.Composed, *, write: bool
    ) -> None:
        seq = 0
        while not self._stop.is_set():
            began = time.monotonic()
            seq += 1
            params = [self.drill_id, seq] if write else [self.drill_id]
            try:
                _execute(target, query, params)
            except Exception as exc:  # whatever reached the application is the measurement
                message = (str(exc).splitlines() or [""])[0]
                self.log.add(
                    Event(
                        self.now(),
                        "error",
                        seq if write else None,
                        error=f"{type(exc).__name__}: {message}",
                    )
                )
            else:
                self.log.add(
                    Event(self.now(), "write" if write else "read", seq if write else None)
                )
            self._stop.wait(max(0.0, self._interval - (time.monotonic() - began)))

    def _watch_signals(self) -> None:
        last = metrics.snapshot()
        while not self._stop.wait(SIGNAL_POLL):
            current = metrics.snapshot()
            failovers = current["failovers"] - last["failovers"]
            retries = current["retries"] - last["retries"]
            if failovers or retries:
                self.log.add(Event(self.now(), "signal", failovers=failovers, retries=retries))
            last = current


def _execute(target: ConnectionPool[Connection], query: sql.Composed, params: list[Any]) -> None:
    """One probe transaction, idempotent by its key, as an application would run it."""
    run_transaction(lambda conn: conn.execute(query, params), idempotent=True, pool=target)
