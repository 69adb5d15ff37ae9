"""How the drill logs in to a restored copy: verified TLS, and a secret that never leaves memory.

Two ways in: a fresh master password set on the copy alone (the source's credentials are
never read), or an IAM authentication token for a user that has ``rds_iam``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import psycopg

CopyAuth = Literal["master", "iam"]
"""How a drill logs in to its copy: a throwaway master password, or an IAM token."""

CONNECT_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Login:
    """Everything needed to open a session on the copy; the password stays out of reprs."""

    host: str
    port: int
    dbname: str
    user: str
    password: str = field(repr=False)
    ca_file: Path | None = None
    via: tuple[str, int] | None = None
    """Connect to this IP address and port instead (an SSM or SSH tunnel to the private
    endpoint); TLS still verifies the certificate against ``host``."""


Connector = Callable[[Login], psycopg.Connection[Any]]


def fresh_password() -> str:
    """A throwaway master password for the copy, within RDS's allowed characters."""
    return secrets.token_urlsafe(24)


def connect(login: Login) -> psycopg.Connection[Any]:
    """Open a session with the server certificate and host name verified.

    Without a CA file libpq uses the system trust store (``sslrootcert=system``); for RDS pass
    the RDS CA bundle.
    """
    address: dict[str, Any] = {"host": login.host, "port": login.port}
    if login.via is not None:
        address.update(hostaddr=login.via[0], port=login.via[1])
    return psycopg.connect(
        **address,
        dbname=login.dbname,
        user=login.user,
        password=login.password,
        sslmode="verify-full",
        sslrootcert=str(login.ca_file) if login.ca_file else "system",
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        application_name="pgplat-drill",
    )
