"""pgplat: production PostgreSQL on AWS, and a local twin that behaves like it."""

from __future__ import annotations

__version__ = "0.1.0"

_CLIENT_API = frozenset(
    {"connect", "connect_async", "pool", "async_pool", "run_transaction", "run_transaction_async"}
)


def __getattr__(name: str) -> object:
    """`pgplat.connect` and friends, imported on first use so `import pgplat` (and the CLI)
    stays free of psycopg and boto3."""
    if name in _CLIENT_API:
        import pgplat.client

        return getattr(pgplat.client, name)
    raise AttributeError(f"module 'pgplat' has no attribute {name!r}")
