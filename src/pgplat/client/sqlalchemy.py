"""SQLAlchemy: an engine whose every new DBAPI connection is opened by pgplat (fresh
credentials, TLS policy, failover back-off) through the dialect's ``do_connect`` event."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from pgplat.client.connection import Connection, target_for
from pgplat.client.settings import load_settings


def engine(
    readonly: bool = False,
    *,
    env_file: str | Path | None = ".env",
    overrides: Mapping[str, Any] | None = None,
    **engine_options: Any,
) -> Engine:
    """A ``postgresql+psycopg`` engine for the writer (or reader); ``engine_options`` go to
    `sqlalchemy.create_engine` (pool_size, pool_pre_ping, echo, ...)."""
    target = target_for(
        load_settings(env_file=env_file, **dict(overrides or {})), readonly=readonly
    )
    result = create_engine("postgresql+psycopg://", **engine_options)

    @event.listens_for(result, "do_connect")
    def _connect(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> Connection:
        return Connection.connect(pgplat_target=target)

    return result
