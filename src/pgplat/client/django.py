"""Django: a ``DATABASES`` entry whose connections are opened by pgplat (fresh credentials,
TLS policy, failover back-off).

It relies on Django's own psycopg pool (Django >= 5.1, ``OPTIONS["pool"]``): the pool is
told to use pgplat's connection class, and the connection target travels in ``OPTIONS`` like any
other connection parameter. No Django import is needed to build it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pgplat.client.connection import TARGET_KEY, Connection, target_for
from pgplat.client.errors import ConfigurationError
from pgplat.client.settings import load_settings


def database(
    readonly: bool = False,
    *,
    env_file: str | Path | None = ".env",
    pool_options: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """``DATABASES["default"] = database()``; ``pool_options`` go to the psycopg pool
    (min_size, max_size, timeout, ...)."""
    settings = load_settings(env_file=env_file, **overrides)
    if not settings.dbname:
        raise ConfigurationError("Django needs the database name: set PGDATABASE")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": settings.dbname,
        "OPTIONS": {
            TARGET_KEY: target_for(settings, readonly=readonly),
            "pool": {**(pool_options or {}), "connection_class": Connection},
        },
    }
