"""Which errors mean "the server went away or changed role", and how long to wait before
trying again (bounded exponential back-off with full jitter)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import psycopg
from psycopg_pool import PoolTimeout

from pgplat.client.counters import metrics
from pgplat.client.errors import ClientError, DatabaseUnavailable

FAILOVER_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown: the server is stopping (failover, reboot)
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now: starting up or in recovery
        "25006",  # read_only_sql_transaction: our "writer" was demoted to a reader
    }
)

TRANSIENT_MESSAGES = (
    "connection refused",
    "the database system is",  # starting up / shutting down / in recovery mode
    "server closed the connection unexpectedly",
    "connection reset",
    "connection timed out",
    "timeout expired",
    "could not receive data",
    "session is read-only",  # target_session_attrs=read-write reached a standby
    "server is in hot standby mode",
    "could not translate host name",  # DNS record being replaced
    "the connection is lost",
    "the connection is closed",
    "consuming input failed",
    "sending query",
    "ssl syscall error",
    "ssl connection has been closed unexpectedly",
    "unexpected eof",  # OpenSSL 3: the server went away mid-handshake
    "no such file or directory",  # a local server's Unix socket, gone while it restarts
)
"""libpq reports lost and refused connections without a SQLSTATE; these are the temporary
ones (a wrong password or an unverifiable certificate is not: retrying cannot help)."""


def is_failover(exc: BaseException) -> bool:
    """Whether ``exc`` says the server went away or changed role (retrying elsewhere helps)."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, psycopg.Error) or isinstance(exc, ClientError):
        return False  # ours are verdicts (budget spent, outcome unknown), not signals
    if exc.sqlstate is not None:
        return exc.sqlstate in FAILOVER_SQLSTATES or exc.sqlstate.startswith("08")
    message = str(exc).lower()
    return any(text in message for text in TRANSIENT_MESSAGES)


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_NOTHING_LISTENS = ("connection refused", "no such file or directory")


def nothing_listens_locally(host: str, exc: psycopg.Error) -> bool:
    """Whether ``exc`` says no server runs at a loopback address or Unix socket ``host``."""
    local = host in LOCAL_HOSTS or host.startswith("/")
    return local and any(text in str(exc).lower() for text in _NOTHING_LISTENS)


def described(exc: BaseException) -> str:
    """``Type: first line of the message``, to end a one-line message with its cause (libpq
    messages name hosts and users, never passwords)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0].strip()}" if lines else type(exc).__name__


def is_authentication_failure(exc: psycopg.Error) -> bool:
    """The server rejected the password or token (expired, rotated)."""
    return exc.sqlstate in ("28P01", "28000") or "authentication failed" in str(exc).lower()


@dataclass
class Backoff:
    """Delays of ``base * 2**n`` capped at ``cap``, each drawn between half that bound and the
    bound (equal jitter: clients spread out yet never spin), until ``budget`` seconds have
    passed since the first failure."""

    base: float = 0.05
    cap: float = 0.5
    budget: float = 30.0
    _attempt: int = 0
    _started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        """Seconds left of the budget (negative once spent)."""
        return self.budget - (time.monotonic() - self._started)

    def next_delay(self) -> float | None:
        """Seconds to wait before the next attempt, or None when the budget is spent."""
        if self.remaining() <= 0:
            return None
        bound = min(self.cap, self.base * 2**self._attempt)
        self._attempt += 1
        return random.uniform(bound / 2, bound)  # noqa: S311 - jitter, not a secret


class Retry:
    """One operation's retry state: back-off delays until its failover budget is spent."""

    def __init__(self, what: str, budget: float) -> None:
        self._what = what
        self._backoff = Backoff(budget=budget)

    def remaining(self) -> float:
        """Seconds left of the budget."""
        return self._backoff.remaining()

    def delay_after(self, exc: BaseException) -> float:
        """Seconds to wait before trying again after the failover signal ``exc``."""
        delay = self._backoff.next_delay()
        if delay is None:
            raise DatabaseUnavailable(
                f"{self._what} still failing after {self._backoff.budget:.0f} s; last error "
                f"{described(exc)}"
            ) from exc
        metrics.add("retries")
        return delay
