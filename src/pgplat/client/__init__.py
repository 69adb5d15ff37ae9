"""`pgplat.connect`: one way for applications to connect to PostgreSQL — on a laptop with a
password, in EKS with an IAM token or a Secrets Manager secret — over verified TLS and
through failovers.

Settings come from the libpq environment variables (PGHOST, PGPORT, PGDATABASE, PGUSER,
PGPASSWORD, PGSSLMODE, PGSSLROOTCERT, PGAPPNAME, PGCONNECT_TIMEOUT) and pgplat's own
(PGPLAT_AUTH, PGPLAT_ROLE_ARN, PGPLAT_SECRET_ARN, PGPLAT_READER_HOST, PGPLAT_REGION,
PGPLAT_FAILOVER_TIMEOUT), then a `.env` file; keyword overrides win.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pgplat.client.connection import AsyncConnection, Connection, endpoint_for
from pgplat.client.errors import (
    ClientError,
    ConfigurationError,
    CredentialsError,
    DatabaseUnavailable,
    OutcomeUnknown,
)
from pgplat.client.metrics import metrics
from pgplat.client.pools import async_pool, pool
from pgplat.client.settings import Settings, load_settings
from pgplat.client.transactions import run_transaction, run_transaction_async


def connect(
    readonly: bool = False, *, env_file: str | Path | None = ".env", **overrides: Any
) -> Connection:
    """A new connection to the writer, or with ``readonly`` to the reader endpoint."""
    endpoint = endpoint_for(load_settings(env_file=env_file, **overrides), readonly=readonly)
    return Connection.connect(pgplat_endpoint=endpoint)


async def connect_async(
    readonly: bool = False, *, env_file: str | Path | None = ".env", **overrides: Any
) -> AsyncConnection:
    """The asyncio twin of `connect`."""
    endpoint = endpoint_for(load_settings(env_file=env_file, **overrides), readonly=readonly)
    return await AsyncConnection.connect(pgplat_endpoint=endpoint)


__all__ = [
    "AsyncConnection",
    "ClientError",
    "ConfigurationError",
    "Connection",
    "CredentialsError",
    "DatabaseUnavailable",
    "OutcomeUnknown",
    "Settings",
    "async_pool",
    "connect",
    "connect_async",
    "load_settings",
    "metrics",
    "pool",
    "run_transaction",
    "run_transaction_async",
]
