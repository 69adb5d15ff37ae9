"""The client library against what an application would otherwise use, on one local server
in one run: connect latency, pooled query throughput, and how long writes stay unavailable
after a standby is promoted (pgplat vs a plain psycopg_pool application)."""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from aws_advanced_python_wrapper import AwsWrapperConnection
from psycopg_pool import ConnectionPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pgplat.client as pgplat  # noqa: E402
from pgplat.client.settings import ENV_VARS  # noqa: E402
from pgplat.config.loader import load_config  # noqa: E402
from pgplat.config.model import PgplatConfig  # noqa: E402
from pgplat.local.cluster import LocalCluster, ServerInfo  # noqa: E402
from pgplat.local.standby import promote  # noqa: E402
from tests.fixtures.client import FailoverCluster, failover_cluster  # noqa: E402
from tests.fixtures.postgres import server_root  # noqa: E402

from common import Row, median_seconds  # noqa: E402

CONNECTS = 40
THREADS = 4
THROUGHPUT_SECONDS = 0.3
ROUNDS = 30
USER = "web"


@contextlib.contextmanager
def local_server(config: PgplatConfig) -> Iterator[ServerInfo]:
    base = server_root("bench")
    cluster = LocalCluster(config, base / "local", port=0)
    try:
        yield cluster.up()
    finally:
        cluster.destroy()


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """The process environment a pod would have (pgplat reads it like libpq does)."""
    saved = {name: os.environ.get(name) for name in (*ENV_VARS, *values)}
    for name in ENV_VARS:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def connect_latency(info: ServerInfo) -> list[Row]:
    conninfo = info.conninfo(USER)

    def ours() -> None:
        pgplat.connect(env_file=None).close()

    def raw() -> None:
        psycopg.connect(conninfo).close()

    def wrapper() -> None:
        AwsWrapperConnection.connect(
            psycopg.Connection.connect, conninfo, wrapper_dialect="pg"
        ).close()

    for warm in (ours, raw, wrapper):
        warm()
    samples: dict[str, list[float]] = {"ours": [], "raw": [], "wrapper": []}
    for _ in range(ROUNDS):  # interleaved, so machine noise hits all three alike
        samples["ours"].append(median_seconds(ours, CONNECTS))
        samples["raw"].append(median_seconds(raw, CONNECTS))
        samples["wrapper"].append(median_seconds(wrapper, CONNECTS))
    ms = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    return [
        Row(
            "connect (verify-full TLS)",
            "pgplat.connect",
            ms["ours"],
            "psycopg.connect",
            ms["raw"],
            "ms",
            "≤ 1.1x",
        ),
        Row(
            "connect (verify-full TLS)",
            "pgplat.connect",
            ms["ours"],
            "aws-advanced-python-wrapper (pg)",
            ms["wrapper"],
            "ms",
        ),
    ]


def _queries_per_second(work: Callable[[], object]) -> float:
    """Queries per second from THREADS threads each calling ``work`` in a loop."""
    counts = [0] * THREADS
    stop = threading.Event()

    def loop(i: int) -> None:
        while not stop.is_set():
            work()
            counts[i] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(THROUGHPUT_SECONDS)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(counts) / THROUGHPUT_SECONDS


def _wrapper_select(
    info: ServerInfo,
) -> tuple[Callable[[], object], list[AwsWrapperConnection]]:
    """SELECT 1 through aws-advanced-python-wrapper, one connection per thread (it has no
    pool of its own); the connections are returned so the caller closes them."""
    wrapped = threading.local()
    connections: list[AwsWrapperConnection] = []

    def select() -> object:
        if not hasattr(wrapped, "conn"):
            wrapped.conn = AwsWrapperConnection.connect(
                psycopg.Connection.connect,
                info.conninfo(USER),
                wrapper_dialect="pg",
                autocommit=True,
            )
            connections.append(wrapped.conn)
        cursor = wrapped.conn.cursor()
        cursor.execute("SELECT 1")
        return cursor.fetchone()

    return select, connections


def pooled_throughput(info: ServerInfo) -> list[Row]:
    ours_pool = pgplat.pool(min_size=THREADS, max_size=THREADS, env_file=None)
    raw_pool = ConnectionPool(info.conninfo(USER), min_size=THREADS, max_size=THREADS)
    wrapper, wrapped_connections = _wrapper_select(info)

    def through(pool: ConnectionPool[Any]) -> Callable[[], object]:
        def work() -> object:
            with pool.connection() as conn:
                return conn.execute("SELECT 1").fetchone()

        return work

    def transaction() -> object:
        return pgplat.run_transaction(
            lambda conn: conn.execute("SELECT 1").fetchone(), idempotent=True, pool=ours_pool
        )

    samples: dict[str, list[float]] = {"ours": [], "raw": [], "transaction": [], "wrapper": []}
    with ours_pool, raw_pool:
        ours_pool.wait()
        raw_pool.wait()
        # The comparison with a target: many short alternating slices, so the load of a shared
        # machine drifts over both alike.
        for round_ in range(ROUNDS):
            pair = [("ours", through(ours_pool)), ("raw", through(raw_pool))]
            for name, work in pair if round_ % 2 == 0 else reversed(pair):
                samples[name].append(_queries_per_second(work))
        for _ in range(ROUNDS // 3):
            samples["transaction"].append(_queries_per_second(transaction))
    # Last, and closed afterwards: the wrapper's plugins keep monitoring threads per connection.
    for _ in range(ROUNDS // 3):
        samples["wrapper"].append(_queries_per_second(wrapper))
    for conn in wrapped_connections:
        conn.close()
    qps = {name: statistics.median(values) for name, values in samples.items()}
    label = f"pooled SELECT 1, {THREADS} threads"
    return [
        Row(label, "pgplat.pool", qps["ours"], "psycopg_pool", qps["raw"], "q/s", "≥ 0.95x"),
        Row(
            label,
            "pgplat.run_transaction (adds BEGIN)",
            qps["transaction"],
            "psycopg_pool",
            qps["raw"],
            "q/s",
        ),
        Row(label, "pgplat.pool", qps["ours"], "aws wrapper, 1 conn/thread", qps["wrapper"], "q/s"),
    ]


def _write_unavailability(
    config: PgplatConfig,
    name: str,
    make_writer: Callable[[FailoverCluster], tuple[Callable[[], None], Callable[[], None]]],
) -> float:
    """Seconds from "the promoted standby accepts writes" to the writer's next success."""
    with failover_cluster(config, name) as cluster:
        with cluster.admin(cluster.primary) as admin:
            admin.execute(
                "CREATE TABLE bench_writes (n bigint); GRANT INSERT ON bench_writes TO web"
            )
        with environment(cluster.env(USER)):
            write, close = make_writer(cluster)
            successes: list[float] = []
            stop = threading.Event()

            def loop() -> None:
                while not stop.is_set():
                    try:
                        write()
                        successes.append(time.monotonic())
                    except Exception:
                        time.sleep(0.01)

            thread = threading.Thread(target=loop)
            thread.start()
            time.sleep(0.5)
            cluster.primary.down()
            promote(cluster.standby)
            cluster.endpoint.repoint(cluster.standby.info().port)
            writable_at = time.monotonic()
            deadline = writable_at + 60
            while not any(t > writable_at for t in successes) and time.monotonic() < deadline:
                time.sleep(0.01)
            stop.set()
            thread.join()
            close()
            return min((t for t in successes if t > writable_at), default=deadline) - writable_at


def failover_recovery(config: PgplatConfig) -> list[Row]:
    insert = "INSERT INTO bench_writes VALUES (1)"

    def ours(cluster: FailoverCluster) -> tuple[Callable[[], None], Callable[[], None]]:
        pool = pgplat.pool(min_size=2, max_size=2, env_file=None)

        def write() -> None:
            pgplat.run_transaction(lambda conn: conn.execute(insert), idempotent=True, pool=pool)

        return write, pool.close

    def plain(cluster: FailoverCluster) -> tuple[Callable[[], None], Callable[[], None]]:
        pool: ConnectionPool[Any] = ConnectionPool(
            psycopg.conninfo.make_conninfo(
                **{
                    k.lower(): v
                    for k, v in {
                        "HOST": "127.0.0.1",
                        "PORT": str(cluster.endpoint.port),
                        "DBNAME": cluster.primary.config.database.name,
                        "USER": USER,
                        "PASSWORD": cluster.primary.passwords[USER],
                        "SSLMODE": "verify-full",
                        "SSLROOTCERT": str(cluster.primary.tls.ca_cert),
                    }.items()
                }
            ),
            min_size=2,
            max_size=2,
        )

        def write() -> None:
            with pool.connection() as conn:
                conn.execute(insert)

        return write, pool.close

    ours_s = _write_unavailability(config, "bench-failover-pgplat", ours)
    plain_s = _write_unavailability(config, "bench-failover-plain", plain)
    return [
        Row(
            "writes unavailable after promotion",
            "pgplat.run_transaction",
            ours_s,
            "plain psycopg_pool app",
            plain_s,
            "s",
            "≤ 1 s",
        ),
    ]


def rows() -> list[Row]:
    config = load_config(ROOT / "examples" / "innovate-inc.yaml")
    with local_server(config) as info, environment(info.env(USER)):
        result = connect_latency(info) + pooled_throughput(info)
    return result + failover_recovery(config)
