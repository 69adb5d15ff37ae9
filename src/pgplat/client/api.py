"""The entry points: a connection to the writer or the reader, sync or asyncio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pgplat.client.connection import AsyncConnection, Connection, target_for
from pgplat.client.settings import load_settings


def connect(
    readonly: bool = False, *, env_file: str | Path | None = ".env", **overrides: Any
) -> Connection:
    """A new connection to the writer, or with ``readonly`` to the reader endpoint."""
    target = target_for(load_settings(env_file=env_file, **overrides), readonly=readonly)
    return Connection.connect(pgplat_target=target)


async def connect_async(
    readonly: bool = False, *, env_file: str | Path | None = ".env", **overrides: Any
) -> AsyncConnection:
    """The asyncio twin of `connect`."""
    target = target_for(load_settings(env_file=env_file, **overrides), readonly=readonly)
    return await AsyncConnection.connect(pgplat_target=target)
