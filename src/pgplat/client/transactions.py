"""`run_transaction`: run a unit of work in one transaction, through failovers.

A failover signal (connection lost, admin/crash shutdown, cannot connect now, read-only
writer) makes the pool drop its stale connections and the transaction run again after a
back-off — unless it was already committing and is not idempotent: then nobody knows whether
it committed, and `OutcomeUnknown` is raised instead of replaying it. A failure before the
commit was sent is always retried: the server rolled that transaction back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool, ConnectionPool, PoolTimeout

from pgplat.client.connection import TARGET_KEY, AsyncConnection, Connection, ConnectionTarget
from pgplat.client.counters import metrics
from pgplat.client.errors import OutcomeUnknown
from pgplat.client.failover import Retry, is_failover
from pgplat.client.pools import shared_pool

T = TypeVar("T")
log = logging.getLogger("pgplat.client")

DEFAULT_BUDGET = 30.0
POOL_WAIT = 2.0
"""Longest wait for a pooled connection before asking again: a wait as long as the whole
budget spends it all on one request that misses the server's return."""


def _wait(retry: Retry) -> float:
    """This request's share of the budget: at most `POOL_WAIT`, and never past its end."""
    return max(0.1, min(POOL_WAIT, retry.remaining()))


def run_transaction(
    fn: Callable[[Connection], T],
    *,
    idempotent: bool,
    readonly: bool = False,
    pool: ConnectionPool[Connection] | None = None,
    budget: float = DEFAULT_BUDGET,
) -> T:
    """Run ``fn(conn)`` in a transaction on ``pool`` (default: the shared pool of the role)
    and commit; retried through failovers as the module docstring describes."""
    target = pool if pool is not None else shared_pool(readonly)
    retry = Retry("transaction", budget)
    while True:
        committing = False
        try:
            with target.connection(timeout=_wait(retry)) as conn:
                try:
                    with conn.transaction():
                        result = fn(conn)
                        committing = True
                    return result
                except BaseException as exc:
                    if is_failover(exc):  # may still be open, to a demoted writer
                        conn.close()
                    raise
        except (psycopg.Error, PoolTimeout) as exc:
            if not is_failover(exc):
                raise
            if not isinstance(exc, PoolTimeout):  # a busy pool is not a stale one
                target.drain()
            _after_failover(exc, committing=committing, idempotent=idempotent)
            time.sleep(retry.delay_after(_underlying(target, exc)))


async def run_transaction_async(
    fn: Callable[[AsyncConnection], Awaitable[T]],
    *,
    idempotent: bool,
    pool: AsyncConnectionPool[AsyncConnection],
    budget: float = DEFAULT_BUDGET,
) -> T:
    """The asyncio twin of `run_transaction`."""
    retry = Retry("transaction", budget)
    while True:
        committing = False
        try:
            async with pool.connection(timeout=_wait(retry)) as conn:
                try:
                    async with conn.transaction():
                        result = await fn(conn)
                        committing = True
                    return result
                except BaseException as exc:
                    if is_failover(exc):
                        await conn.close()
                    raise
        except (psycopg.Error, PoolTimeout) as exc:
            if not is_failover(exc):
                raise
            if not isinstance(exc, PoolTimeout):
                await pool.drain()
            _after_failover(exc, committing=committing, idempotent=idempotent)
            await asyncio.sleep(retry.delay_after(_underlying(pool, exc)))


def _underlying(
    pool: ConnectionPool[Connection] | AsyncConnectionPool[AsyncConnection], exc: BaseException
) -> BaseException:
    """What a pool timeout stands for: the last failed attempt of the pool's connections."""
    kwargs = pool.kwargs
    target = kwargs.get(TARGET_KEY) if isinstance(kwargs, dict) else None
    if isinstance(exc, PoolTimeout) and isinstance(target, ConnectionTarget):
        return target.last_failure.error or exc
    return exc


def _after_failover(exc: BaseException, *, committing: bool, idempotent: bool) -> None:
    """Count the failover; refuse to replay a commit that may have happened."""
    metrics.add("failovers")
    if committing and not idempotent:
        raise OutcomeUnknown(
            "connection lost while committing a non-idempotent transaction: it may or may not "
            "have committed, so it was not replayed"
        ) from exc
    log.warning("failover signal (%s), retrying the transaction", type(exc).__name__)
