"""Which errors count as a failover, how back-off grows, and the public surface."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from psycopg import errors
from psycopg_pool import PoolTimeout

import pgplat
import pgplat.client
from pgplat.client.errors import DatabaseUnavailable, OutcomeUnknown
from pgplat.client.failover import (
    Backoff,
    described,
    is_authentication_failure,
    is_failover,
    nothing_listens_locally,
)


@pytest.mark.parametrize(
    "exc",
    [
        errors.AdminShutdown("terminating connection due to administrator command"),
        errors.CrashShutdown("terminating connection because of crash of another process"),
        errors.CannotConnectNow("the database system is starting up"),
        errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"),
        psycopg.OperationalError(
            "consuming input failed: server closed the connection unexpectedly"
        ),
        psycopg.OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        ),
        psycopg.OperationalError(
            'connection to server on socket "/run/pg/.s.PGSQL.5432" failed: No such file or directory'
        ),
        psycopg.OperationalError("connection failed: SSL error: unexpected eof while reading"),
        PoolTimeout("couldn't get a connection after 30.00 sec"),
    ],
)
def test_failover_signals(exc: BaseException) -> None:
    assert is_failover(exc)


@pytest.mark.parametrize(
    "exc",
    [
        errors.UniqueViolation("duplicate key value violates unique constraint"),
        errors.SerializationFailure("could not serialize access"),
        psycopg.OperationalError(
            'connection failed: FATAL:  password authentication failed for user "web"'
        ),
        psycopg.OperationalError("connection failed: SSL error: certificate verify failed"),
        ValueError("not a database error"),
        DatabaseUnavailable("transaction still failing after 30 s; last error ... refused"),
        OutcomeUnknown("connection lost while committing: server closed the connection"),
    ],
)
def test_not_failover_signals(exc: BaseException) -> None:
    assert not is_failover(exc)


def test_authentication_failures_are_recognised_with_or_without_sqlstate() -> None:
    assert is_authentication_failure(errors.InvalidPassword("password authentication failed"))
    assert is_authentication_failure(
        psycopg.OperationalError('FATAL:  PAM authentication failed for user "web"')
    )
    assert not is_authentication_failure(psycopg.OperationalError("Connection refused"))


def test_backoff_grows_to_its_cap_with_jitter_and_ends_with_its_budget() -> None:
    backoff = Backoff(base=0.05, cap=0.5, budget=3600)
    delays = [backoff.next_delay() for _ in range(10)]
    assert all(d is not None for d in delays)
    bounds = [min(0.5, 0.05 * 2**n) for n in range(10)]
    assert all(b / 2 <= d <= b for d, b in zip(delays, bounds, strict=True))  # type: ignore[operator]
    assert Backoff(budget=0).next_delay() is None


def test_top_level_names_resolve_lazily() -> None:
    assert pgplat.connect is pgplat.client.connect
    for name in pgplat.client.__all__:
        assert getattr(pgplat.client, name) is not None
    code = "import sys, pgplat, pgplat.commands.certs; print('psycopg' in sys.modules, 'boto3' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


@given(st.text())
def test_a_cause_is_described_in_one_line(message: str) -> None:
    text = described(psycopg.OperationalError(message))
    assert text.startswith("OperationalError")
    assert len(text.splitlines()) == 1


@given(
    host=st.one_of(
        st.sampled_from(["localhost", "127.0.0.1", "::1"]),
        st.from_regex(r"\A/[a-z/]{0,20}\Z"),
        st.from_regex(r"\A[a-z][a-z0-9.-]{0,30}\Z"),
    ),
    refusal=st.sampled_from(["Connection refused", "No such file or directory", "timeout expired"]),
)
def test_only_a_local_refusal_means_nothing_runs_there(host: str, refusal: str) -> None:
    exc = psycopg.OperationalError(f'connection to server at "{host}" failed: {refusal}')
    local = host in ("localhost", "127.0.0.1", "::1") or host.startswith("/")
    assert nothing_listens_locally(host, exc) == (local and refusal != "timeout expired")
