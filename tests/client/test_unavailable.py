"""A database that is not there: a stopped local server is named at once, every
`DatabaseUnavailable` carries its last cause, callers' ``except OperationalError`` still
catches ours, and `run_transaction` comes back within moments of a restart."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import pgplat.client as pgplat
from pgplat.client.errors import CredentialsError, DatabaseUnavailable, OutcomeUnknown
from pgplat.config.model import PgplatConfig
from pgplat.local.cluster import LocalCluster
from tests.fixtures.postgres import server_root

pytestmark = pytest.mark.slow

PASSWORD = "pw-that-must-not-show"  # a test value that must never be echoed


@pytest.mark.parametrize("errors", [DatabaseUnavailable, OutcomeUnknown, CredentialsError])
def test_our_errors_are_caught_as_psycopg_operational_errors(errors: type[Exception]) -> None:
    with pytest.raises(psycopg.OperationalError):
        raise errors("gone")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1", "socket-dir"])
def test_a_stopped_local_server_is_refused_at_once(
    client_env: pytest.MonkeyPatch, closed_port: int, tmp_path: Path, host: str
) -> None:
    """ECONNREFUSED on loopback, or no socket in the folder: no 30 s of retries."""
    if host == "socket-dir":
        host = str(tmp_path)
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError) as raised:
        pgplat.connect(host=host, port=closed_port, user="web", password=PASSWORD)
    took = time.monotonic() - started
    error = raised.value
    assert isinstance(error, DatabaseUnavailable)
    assert took < 3, f"{took:.1f} s"
    assert "is `pgplat dev up` running?" in str(error)
    assert isinstance(error.__cause__, psycopg.OperationalError)
    assert ("refused" in str(error).lower()) or ("no such file" in str(error).lower())
    assert "\n" not in str(error)
    assert PASSWORD not in str(error)


def test_an_exhausted_budget_names_the_last_error(
    client_env: pytest.MonkeyPatch, closed_port: int
) -> None:
    """A pool keeps retrying a refused server (it may be restarting) and, when the budget
    is spent, says what the last attempt met."""
    with pgplat.pool(
        host="127.0.0.1", port=closed_port, user="web", password=PASSWORD, failover_timeout=1
    ) as pool:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as raised:
            pgplat.run_transaction(
                lambda conn: conn.execute("SELECT 1"), idempotent=True, pool=pool, budget=2
            )
        took = time.monotonic() - started
    message = str(raised.value)
    assert isinstance(raised.value.__cause__, psycopg.OperationalError)  # not the PoolTimeout
    assert "last error OperationalError: connection failed" in message
    assert "Connection refused" in message
    assert "\n" not in message
    assert PASSWORD not in message
    assert took < 6, f"{took:.1f} s"


@pytest.fixture(scope="module")
def restartable(innovate: PgplatConfig) -> Iterator[LocalCluster]:
    """A server of our own to stop and start (the session's is shared)."""
    base = server_root("restart")
    cluster = LocalCluster(innovate, base / "local", port=0)
    cluster.up()
    yield cluster
    cluster.destroy()
    shutil.rmtree(base, ignore_errors=True)


def test_run_transaction_recovers_right_after_each_restart(
    restartable: LocalCluster, client_env: pytest.MonkeyPatch
) -> None:
    for name, value in restartable.info().env("web").items():
        client_env.setenv(name, value)
    successes: list[float] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def work() -> None:
        with pgplat.pool() as pool:
            while not stop.is_set():
                try:
                    pgplat.run_transaction(
                        lambda conn: conn.execute("SELECT 1"), idempotent=True, pool=pool
                    )
                except BaseException as exc:  # the test reads it
                    errors.append(exc)
                    return
                successes.append(time.monotonic())
                time.sleep(0.01)

    worker = threading.Thread(target=work)
    worker.start()
    recoveries: list[float] = []
    try:
        for _ in range(4):
            time.sleep(0.3)
            restartable.down()
            time.sleep(1.0)
            restartable.up()
            back = time.monotonic()
            deadline = back + 15
            while not errors and not any(t > back for t in successes):
                assert time.monotonic() < deadline, "no transaction succeeded after the restart"
                time.sleep(0.01)
            recoveries.append(min(t for t in successes if t > back) - back)
    finally:
        stop.set()
        worker.join(timeout=40)
    assert not errors, errors
    assert max(recoveries) < 3.0, recoveries
