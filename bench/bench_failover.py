"""The local failover drill's write unavailability next to a plain psycopg_pool application
put through the same failover (same pair, same endpoint, same pacing, same run)."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from pathlib import Path

import psycopg
from psycopg_pool import ConnectionPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pgplat.config.loader import load_config  # noqa: E402
from pgplat.drills.failover import (  # noqa: E402
    LocalFailover,
    Timing,
    ensure_standby,
    local_drill,
    standby_of,
)
from pgplat.drills.failover.figures import longest_gap  # noqa: E402
from pgplat.local.cluster import LocalCluster  # noqa: E402
from tests.fixtures.postgres import server_root  # noqa: E402

from common import Row  # noqa: E402

RATE = 50.0
WARMUP = 1.0
SETTLE = 1.0
USER = "web"


def plain_pool_failover(primary: LocalCluster) -> tuple[float, int]:
    """Longest time without an acknowledged write, and errors raised, for an application
    writing through a plain `psycopg_pool.ConnectionPool` that retries in its own loop."""
    with psycopg.connect(primary.info().admin_conninfo(), autocommit=True) as admin:
        admin.execute("CREATE TABLE IF NOT EXISTS app.bench_plain (n bigint)")
        admin.execute("GRANT INSERT ON app.bench_plain TO web")
    trigger = LocalFailover(primary, standby_of(primary))
    settings = trigger.client_settings(USER)
    conninfo = psycopg.conninfo.make_conninfo(
        **{k: v for k, v in settings.items() if k not in ("auth", "application_name")}
    )
    acknowledged: list[float] = []
    errors = 0
    stop = threading.Event()
    started = time.monotonic()

    def app(pool: ConnectionPool[psycopg.Connection[tuple[object, ...]]]) -> None:
        nonlocal errors
        while not stop.is_set():
            began = time.monotonic()
            try:
                with pool.connection() as conn:
                    conn.execute("INSERT INTO app.bench_plain VALUES (1)")
                acknowledged.append(time.monotonic() - started)
            except psycopg.Error:
                errors += 1
            stop.wait(max(0.0, 1 / RATE - (time.monotonic() - began)))

    try:
        with ConnectionPool(conninfo, min_size=1, max_size=1, timeout=30) as pool:
            thread = threading.Thread(target=app, args=(pool,))
            thread.start()
            time.sleep(WARMUP)
            triggered = time.monotonic() - started
            trigger.fail_over()
            writable = time.monotonic() - started
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (
                acknowledged
                and acknowledged[-1] > writable
                and time.monotonic() - started - writable >= SETTLE
            ):
                time.sleep(0.05)
            stop.set()
            thread.join()
        ended = time.monotonic() - started
    finally:
        trigger.finish()
        trigger.endpoint.close()
    return longest_gap(acknowledged, triggered, ended), errors


def rows() -> list[Row]:
    config = load_config(ROOT / "examples" / "innovate-inc.yaml")
    base = server_root("bench-failover")
    primary = LocalCluster(config, base / "local", port=0)
    try:
        primary.up()
        ensure_standby(primary)
        report = local_drill(primary, rate=RATE, timing=Timing(warmup=WARMUP, settle=SETTLE))
        plain_seconds, plain_errors = plain_pool_failover(primary)
    finally:
        standby_of(primary).destroy()
        primary.destroy()
        shutil.rmtree(base, ignore_errors=True)
    assert report.figures is not None, report.message
    label = f"local failover drill, writes at {RATE:g}/s"
    return [
        Row(
            f"{label}: writes unavailable",
            "pgplat drill failover probe",
            report.figures.write_unavailable_seconds,
            "plain psycopg_pool app",
            plain_seconds,
            "s",
            "≤ 1 s",
        ),
        Row(
            f"{label}: errors reaching the app",
            "pgplat drill failover probe",
            float(report.figures.errors),
            "plain psycopg_pool app",
            float(plain_errors),
            "",
            "0",
        ),
    ]
