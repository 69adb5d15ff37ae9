"""Connection pools per role (writer, reader) whose every new connection gets fresh
credentials: the pool hands our `ConnectionTarget` to `Connection.connect`, which asks the
credential provider each time."""

from __future__ import annotations

import atexit
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool, ConnectionPool

from pgplat.client.connection import TARGET_KEY, AsyncConnection, Connection, target_for
from pgplat.client.settings import load_settings


def pool(
    readonly: bool = False,
    *,
    min_size: int = 1,
    max_size: int | None = None,
    open: bool = True,
    env_file: str | Path | None = ".env",
    **overrides: Any,
) -> ConnectionPool[Connection]:
    """A `psycopg_pool.ConnectionPool` for the writer (or, ``readonly``, the reader)."""
    return ConnectionPool(
        connection_class=Connection,
        open=open,
        **_options(readonly, min_size, max_size, env_file, overrides),
    )


def async_pool(
    readonly: bool = False,
    *,
    min_size: int = 1,
    max_size: int | None = None,
    env_file: str | Path | None = ".env",
    **overrides: Any,
) -> AsyncConnectionPool[AsyncConnection]:
    """The asyncio twin of `pool`; open it inside the event loop (``async with`` or ``open()``)."""
    return AsyncConnectionPool(
        connection_class=AsyncConnection,
        open=False,
        **_options(readonly, min_size, max_size, env_file, overrides, suffix="-async"),
    )


def _options(
    readonly: bool,
    min_size: int,
    max_size: int | None,
    env_file: str | Path | None,
    overrides: dict[str, Any],
    *,
    suffix: str = "",
) -> dict[str, Any]:
    """What the sync and the asyncio pool are given alike: the target each new connection
    is opened to (retrying through restarts), the sizes, a name per role and the failover
    budget as wait timeout (`run_transaction` waits in shorter slices of its own budget)."""
    target = target_for(load_settings(env_file=env_file, **overrides), readonly=readonly)
    target = replace(target, through_restarts=True)
    return {
        "kwargs": {TARGET_KEY: target},
        "min_size": min_size,
        "max_size": max_size,
        "name": f"pgplat-{target.role}{suffix}",
        "timeout": target.settings.failover_timeout,
    }


_shared: dict[bool, ConnectionPool[Connection]] = {}
_shared_lock = threading.Lock()


def shared_pool(readonly: bool) -> ConnectionPool[Connection]:
    """The process-wide pool of a role, from the environment, opened on first use."""
    with _shared_lock:
        if readonly not in _shared:
            _shared[readonly] = pool(readonly)
        return _shared[readonly]


@atexit.register
def _close_shared() -> None:
    for shared in _shared.values():
        shared.close()
