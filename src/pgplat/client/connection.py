"""Opening one connection: fresh credentials every time, one credential refresh when the
server rejects them, and back-off while a failover makes the endpoint unreachable.

`Connection` and `AsyncConnection` are psycopg's classes whose `connect()` also accepts a
`ConnectionTarget` (keyword ``pgplat_target``); that is how pools get fresh credentials for
every connection they open.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Self

import psycopg
from psycopg.rows import TupleRow

from pgplat.client.counters import metrics
from pgplat.client.credentials import CredentialProvider, Credentials, provider_for
from pgplat.client.errors import CredentialsError, DatabaseUnavailable
from pgplat.client.failover import (
    Retry,
    described,
    is_authentication_failure,
    is_failover,
    nothing_listens_locally,
)
from pgplat.client.settings import Settings
from pgplat.client.tls import tls_params

log = logging.getLogger("pgplat.client")

TARGET_KEY = "pgplat_target"

READ_ONLY_OPTIONS = "-c default_transaction_read_only=on"
"""Readers refuse writes locally too, as an Aurora replica would."""


@dataclass
class LastFailure:
    """A target's last failed connection attempt: what a pool timeout stands for."""

    error: BaseException | None = None


@dataclass(frozen=True)
class ConnectionTarget:
    """The writer or the reader of one database, and how to authenticate to it."""

    settings: Settings
    provider: CredentialProvider
    readonly: bool = False
    through_restarts: bool = False
    """Keep retrying a local server that refuses (a pool's, which outlives restarts); a
    direct `connect()` is told at once that nothing runs there."""
    last_failure: LastFailure = field(default_factory=LastFailure, compare=False, repr=False)

    @property
    def host(self) -> str:
        return (self.readonly and self.settings.reader_host) or self.settings.host

    @property
    def role(self) -> str:
        return "reader" if self.readonly else "writer"

    def credentials(self) -> Credentials:
        return self.provider.get(self.host, self.settings.port)

    def params(self, credentials: Credentials) -> dict[str, Any]:
        """libpq parameters for the next connection (a host name, not an address: libpq
        resolves it on every attempt, so a failover's DNS change is seen), and behind RDS
        Proxy psycopg's ``prepare_threshold=None``: its prepared statements pin the session."""
        settings = self.settings
        params: dict[str, Any] = {
            "host": self.host,
            "port": settings.port,
            "connect_timeout": settings.connect_timeout,
            **tls_params(settings, self.host),
            **credentials.params(),
        }
        if settings.dbname:
            params["dbname"] = settings.dbname
        if settings.application_name:
            params["application_name"] = settings.application_name
        if settings.proxy:
            params["prepare_threshold"] = None
        if self.readonly:
            params["options"] = READ_ONLY_OPTIONS
        else:
            params["target_session_attrs"] = "read-write"
        return params

    def attempts(self) -> Attempts:
        return Attempts(self)


class Attempts:
    """The decisions between the connection attempts of one `connect()`."""

    def __init__(self, target: ConnectionTarget) -> None:
        self._target = target
        self._credentials: Credentials | None = None
        self._refreshed = False
        self._retry = Retry(
            f"connecting to {target.role} {target.host}:{target.settings.port}",
            target.settings.failover_timeout,
        )

    def params(self) -> dict[str, Any]:
        """Parameters for the next attempt, with current credentials."""
        self._credentials = self._target.credentials()
        return self._target.params(self._credentials)

    def delay_after(self, exc: psycopg.OperationalError) -> float:
        """Seconds to wait before the next attempt; raises when another cannot help."""
        target = self._target
        if is_authentication_failure(exc):
            rejected = self._credentials
            if self._refreshed or rejected is None or not target.provider.invalidate(rejected):
                raise CredentialsError(
                    f"{target.host}:{target.settings.port} rejected the credentials of the "
                    f"{target.settings.auth} provider"
                    + (" even after refreshing them" if self._refreshed else "")
                ) from exc
            self._refreshed = True
            log.info("credentials rejected by %s, refreshing them", target.host)
            return 0.0
        if not target.through_restarts and nothing_listens_locally(target.host, exc):
            raise DatabaseUnavailable(
                f"no server at {target.host}:{target.settings.port} ({described(exc)}): "
                "is `pgplat dev up` running?"
            ) from exc
        if is_failover(exc):
            target.last_failure.error = exc
            delay = self._retry.delay_after(exc)
            log.info("%s %s unavailable, retrying in %.2f s", target.role, target.host, delay)
            return delay
        raise exc

    def connected(self) -> None:
        metrics.add("connects")


class Connection(psycopg.Connection[TupleRow]):
    @classmethod
    def connect(cls, conninfo: str = "", **kwargs: Any) -> Self:
        target: ConnectionTarget | None = kwargs.pop(TARGET_KEY, None)
        if target is None:
            return super().connect(conninfo, **kwargs)
        attempts = target.attempts()
        while True:
            try:
                conn = super().connect(conninfo, **{**attempts.params(), **kwargs})
            except psycopg.OperationalError as exc:
                time.sleep(attempts.delay_after(exc))
                continue
            attempts.connected()
            return conn


class AsyncConnection(psycopg.AsyncConnection[TupleRow]):
    @classmethod
    async def connect(cls, conninfo: str = "", **kwargs: Any) -> Self:
        target: ConnectionTarget | None = kwargs.pop(TARGET_KEY, None)
        if target is None:
            return await super().connect(conninfo, **kwargs)
        attempts = target.attempts()
        while True:
            params = await asyncio.to_thread(attempts.params)
            try:
                conn = await super().connect(conninfo, **{**params, **kwargs})
            except psycopg.OperationalError as exc:
                await asyncio.sleep(attempts.delay_after(exc))
                continue
            attempts.connected()
            return conn


_providers: dict[Settings, CredentialProvider] = {}
_providers_lock = threading.Lock()


def target_for(settings: Settings, *, readonly: bool) -> ConnectionTarget:
    """The target for ``settings``' writer or reader, sharing one credential provider (and so
    one cache of secrets, tokens and assumed roles) per distinct settings in the process."""
    with _providers_lock:
        provider = _providers.get(settings)
        if provider is None:
            provider = _providers[settings] = provider_for(settings)
    return ConnectionTarget(settings, provider, readonly)
