"""A real failover: primary + streaming standby behind a forwarder playing the cluster
endpoint. The primary stops, the standby is promoted, the endpoint is repointed; readers and
idempotent writers carry on without an error, no acknowledged write is lost, and a
non-idempotent commit caught mid-flight raises `OutcomeUnknown` instead of being replayed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from psycopg_pool import ConnectionPool

import pgplat.client as pgplat
from pgplat.config.model import PgplatConfig
from pgplat.local.standby import promote
from tests.fixtures.client import FailoverCluster, failover_cluster

pytestmark = pytest.mark.slow

TABLE = """
CREATE TABLE failover_log (writer text NOT NULL, n int NOT NULL, PRIMARY KEY (writer, n));
GRANT SELECT, INSERT ON failover_log TO web;
"""


@pytest.fixture
def cluster(innovate: PgplatConfig, client_env: pytest.MonkeyPatch) -> Iterator[FailoverCluster]:
    with failover_cluster(innovate, "failover") as cluster:
        with cluster.admin(cluster.primary) as admin:
            admin.execute(TABLE)
        for name, value in cluster.env("web").items():
            client_env.setenv(name, value)
        client_env.setenv("PGPLAT_FAILOVER_TIMEOUT", "20")
        yield cluster


@dataclass
class Worker:
    """A loop of transactions through the failover, recording what succeeded and what failed."""

    idempotent_write: bool
    acknowledged: list[int] = field(default_factory=list)
    succeeded_at: list[float] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def run(self, pool: ConnectionPool[pgplat.Connection], stop: threading.Event) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                if self.idempotent_write:
                    pgplat.run_transaction(
                        lambda conn, n=n: conn.execute(
                            "INSERT INTO failover_log VALUES ('writer', %s) ON CONFLICT DO NOTHING",
                            [n],
                        ),
                        idempotent=True,
                        pool=pool,
                    )
                    self.acknowledged.append(n)
                else:
                    pgplat.run_transaction(
                        lambda conn: conn.execute("SELECT count(*) FROM failover_log").fetchone(),
                        idempotent=True,
                        pool=pool,
                    )
                self.succeeded_at.append(time.monotonic())
            except BaseException as exc:
                self.errors.append(exc)
                return
            time.sleep(0.005)


def _wait_for(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_failover_is_invisible_to_readers_and_idempotent_writers(cluster: FailoverCluster) -> None:
    failovers_before = pgplat.metrics.snapshot()["failovers"]
    writer, reader = Worker(idempotent_write=True), Worker(idempotent_write=False)
    stop = threading.Event()
    outcome: list[BaseException] = []

    def non_idempotent_write(conn: pgplat.Connection) -> None:
        # Waits in COMMIT until the (paused) standby applies it: caught there by the failover.
        conn.execute("SET LOCAL synchronous_commit = remote_apply")
        conn.execute("INSERT INTO failover_log VALUES ('once', 1)")

    def once(pool: ConnectionPool[pgplat.Connection]) -> None:
        try:
            pgplat.run_transaction(non_idempotent_write, idempotent=False, pool=pool)
        except BaseException as exc:
            outcome.append(exc)

    with (
        pgplat.pool(min_size=2, max_size=4) as writers,
        pgplat.pool(readonly=True, min_size=1, max_size=2) as readers,
    ):
        threads = [
            threading.Thread(target=writer.run, args=(writers, stop)),
            threading.Thread(target=reader.run, args=(readers, stop)),
            threading.Thread(target=once, args=(writers,)),
        ]
        with cluster.admin(cluster.standby) as standby, cluster.admin(cluster.primary) as primary:
            standby.execute("SELECT pg_wal_replay_pause()")
            for thread in threads:
                thread.start()
            _wait_for(
                lambda: (
                    primary.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'"
                    ).fetchone()
                    == (1,)
                ),
                "the non-idempotent commit to wait for the standby",
            )
            _wait_for(lambda: len(writer.acknowledged) > 20, "writes before the failover")

            cluster.primary.down()
            standby.execute("SELECT pg_wal_replay_resume()")
            promote(cluster.standby)
            cluster.endpoint.repoint(cluster.standby.info().port)
            writable_at = time.monotonic()

            _wait_for(lambda: any(t > writable_at for t in writer.succeeded_at), "recovery")
            time.sleep(0.5)
            stop.set()
            for thread in threads:
                thread.join(timeout=30)

            assert writer.errors == []
            assert reader.errors == []
            recovery = min(t for t in writer.succeeded_at if t > writable_at) - writable_at
            assert recovery < 1.0, f"writes resumed {recovery:.2f} s after promotion"
            assert any(t > writable_at for t in reader.succeeded_at)

            stored = {
                n
                for (n,) in standby.execute(
                    "SELECT n FROM failover_log WHERE writer = 'writer'"
                ).fetchall()
            }
            assert set(writer.acknowledged) <= stored, "an acknowledged write was lost"

            assert len(outcome) == 1
            assert isinstance(outcome[0], pgplat.OutcomeUnknown)
            # It had committed on the old primary and reached the standby: a replay would
            # have written it twice (or failed on the key), which is why it is not replayed.
            assert standby.execute(
                "SELECT count(*) FROM failover_log WHERE writer = 'once'"
            ).fetchone() == (1,)
    assert pgplat.metrics.snapshot()["failovers"] > failovers_before
