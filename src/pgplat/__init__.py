"""pgplat: production PostgreSQL on AWS, and a local twin that behaves like it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # type checkers see the real signatures; run time imports on first use
    from pgplat.client import (
        async_pool,
        connect,
        connect_async,
        pool,
        run_transaction,
        run_transaction_async,
    )

__version__ = "0.1.0"

__all__ = [
    "async_pool",
    "connect",
    "connect_async",
    "pool",
    "run_transaction",
    "run_transaction_async",
]


def __getattr__(name: str) -> object:
    """`pgplat.connect` and friends, imported on first use so `import pgplat` (and the CLI)
    stays free of psycopg and boto3."""
    if name in __all__:
        import pgplat.client

        return getattr(pgplat.client, name)
    raise AttributeError(f"module 'pgplat' has no attribute {name!r}")
