"""`pgplat.connect`: one way for applications to connect to PostgreSQL — on a laptop with a
password, in EKS with an IAM token or a Secrets Manager secret — over verified TLS and
through failovers.

Settings come from the libpq environment variables (PGHOST, PGPORT, PGDATABASE, PGUSER,
PGPASSWORD, PGSSLMODE, PGSSLROOTCERT, PGAPPNAME, PGCONNECT_TIMEOUT) and pgplat's own
(PGPLAT_AUTH, PGPLAT_ROLE_ARN, PGPLAT_SECRET_ARN, PGPLAT_READER_HOST, PGPLAT_REGION,
PGPLAT_FAILOVER_TIMEOUT, PGPLAT_PROXY), then a `.env` file; keyword overrides win.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pgplat.client.api import connect, connect_async
    from pgplat.client.connection import AsyncConnection, Connection
    from pgplat.client.counters import metrics
    from pgplat.client.errors import (
        ClientError,
        ConfigurationError,
        CredentialsError,
        DatabaseUnavailable,
        OutcomeUnknown,
    )
    from pgplat.client.pools import async_pool, pool
    from pgplat.client.settings import Settings, load_settings
    from pgplat.client.transactions import run_transaction, run_transaction_async

_HOMES = {
    "connect": "api",
    "connect_async": "api",
    "AsyncConnection": "connection",
    "Connection": "connection",
    "ClientError": "errors",
    "ConfigurationError": "errors",
    "CredentialsError": "errors",
    "DatabaseUnavailable": "errors",
    "OutcomeUnknown": "errors",
    "metrics": "counters",
    "async_pool": "pools",
    "pool": "pools",
    "Settings": "settings",
    "load_settings": "settings",
    "run_transaction": "transactions",
    "run_transaction_async": "transactions",
}
"""Public name -> submodule. Imported on first use, so `pgplat.client.ca_bundle` (and the CLI)
do not pay for psycopg and boto3."""


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


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
