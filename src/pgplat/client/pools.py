"""Connection pools per role (writer, reader) whose every new connection gets fresh
credentials: the pool hands our `Endpoint` to `Connection.connect`, which asks the credential
provider each time."""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool, ConnectionPool

from pgplat.client.connection import ENDPOINT_KEY, AsyncConnection, Connection, endpoint_for
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
    endpoint = endpoint_for(load_settings(env_file=env_file, **overrides), readonly=readonly)
    return ConnectionPool(
        connection_class=Connection,
        kwargs={ENDPOINT_KEY: endpoint},
        min_size=min_size,
        max_size=max_size,
        open=open,
        name=f"pgplat-{endpoint.role}",
        timeout=endpoint.settings.failover_timeout,
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
    endpoint = endpoint_for(load_settings(env_file=env_file, **overrides), readonly=readonly)
    return AsyncConnectionPool(
        connection_class=AsyncConnection,
        kwargs={ENDPOINT_KEY: endpoint},
        min_size=min_size,
        max_size=max_size,
        open=False,
        name=f"pgplat-{endpoint.role}-async",
        timeout=endpoint.settings.failover_timeout,
    )


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
