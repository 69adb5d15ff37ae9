"""Credential providers: where the user name and password of the next connection come from.

- `StaticPassword`: PGPASSWORD (or libpq's own ~/.pgpass), for local development.
- `SecretsManagerPassword`: the secret's username/password, cached (by AWS's caching library)
  and read again when the server rejects them, so a rotation never breaks a running service.
- `IamToken`: an RDS IAM authentication token signed with the workload's (assumed) AWS
  identity, reused for 10 of its 15 minutes.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from aws_secretsmanager_caching import SecretCache, SecretCacheConfig
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from pgplat.aws.errors import aws_error_code
from pgplat.aws.roles import Clock
from pgplat.client.aws import AwsIdentity
from pgplat.client.counters import metrics
from pgplat.client.errors import ConfigurationError, CredentialsError
from pgplat.client.settings import Settings

TOKEN_REUSE = 10 * 60
"""Seconds an IAM token is reused; tokens are valid for 15 minutes."""
SECRET_CACHE = SecretCacheConfig(exception_retry_delay_max=60)
"""After a failed read the library waits 1, 2, 4 ... s before asking AWS again: at most a
minute here (its default, an hour, would keep a pod failing long after AWS recovered)."""


@dataclass(frozen=True)
class Credentials:
    """A user and its password or token; `repr()` shows neither secret."""

    user: str | None
    password: SecretStr | None

    def params(self) -> dict[str, str]:
        params = {}
        if self.user:
            params["user"] = self.user
        if self.password is not None:
            params["password"] = self.password.get_secret_value()
        return params


class CredentialProvider(Protocol):
    def get(self, host: str, port: int) -> Credentials:
        """Credentials for a connection to ``host:port``, from cache when still good."""
        ...

    def invalidate(self, rejected: Credentials) -> bool:
        """Forget ``rejected`` (unless already replaced: many connections may report the same
        rejection at once); False if nothing can change."""
        ...


class StaticPassword:
    def __init__(self, settings: Settings) -> None:
        self._credentials = Credentials(settings.user, settings.password)

    def get(self, host: str, port: int) -> Credentials:
        return self._credentials

    def invalidate(self, rejected: Credentials) -> bool:
        return False


class SecretsManagerPassword:
    """The secret's username and password, cached by AWS's secrets-manager caching library,
    which also re-reads the secret on its own schedule (within the hour).

    When the server rejects the cached password, pgplat starts a new cache rather than
    calling the library's ``refresh_secret_now()``: that sleeps 2.5 to 5 s first (jitter for
    a fleet), which would stall the connecting thread, or a whole asyncio loop, on every
    rotation. The same credentials object is returned while the secret's value is unchanged,
    so a rejection is recognised however many connections report it.
    """

    def __init__(self, settings: Settings, aws: AwsIdentity) -> None:
        assert settings.secret_arn is not None
        self._arn = settings.secret_arn
        self._aws = aws
        self._lock = threading.Lock()
        self._cache: SecretCache | None = None
        self._current: tuple[str, Credentials] | None = None

    def get(self, host: str, port: int) -> Credentials:
        with self._lock:
            if self._cache is None:
                self._cache = SecretCache(SECRET_CACHE, self._aws.secretsmanager())
            text = self._read(self._cache)
            if self._current is None or self._current[0] != text:
                self._current = (text, self._parse(text))
                metrics.add("credential_refreshes")
            return self._current[1]

    def invalidate(self, rejected: Credentials) -> bool:
        with self._lock:
            if self._current is not None and self._current[1] is rejected:
                self._cache = self._current = None
        return True

    def _read(self, cache: SecretCache) -> str:
        try:
            text: str | None = cache.get_secret_string(self._arn)
        except (BotoCoreError, ClientError) as exc:
            raise CredentialsError(
                f"could not read secret {self._arn}: {aws_error_code(exc)}"
            ) from None
        return text or ""  # a binary secret has no string, and so is not JSON either

    def _parse(self, text: str) -> Credentials:
        try:
            fields = json.loads(text)
            return Credentials(fields["username"], SecretStr(fields["password"]))
        except (KeyError, TypeError, ValueError):
            raise CredentialsError(
                f"secret {self._arn} is not JSON with 'username' and 'password'"
            ) from None


class IamToken:
    def __init__(self, settings: Settings, aws: AwsIdentity, clock: Clock) -> None:
        assert settings.user is not None
        assert settings.region is not None
        self._user = settings.user
        self._region = settings.region
        self._aws = aws
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, int], tuple[Credentials, float]] = {}

    def get(self, host: str, port: int) -> Credentials:
        with self._lock:
            cached = self._tokens.get((host, port))
            if cached is not None and self._clock() < cached[1]:
                return cached[0]
            rds = self._aws.rds()
            token = rds.generate_db_auth_token(
                DBHostname=host, Port=port, DBUsername=self._user, Region=self._region
            )
            expires_at = min(self._clock() + TOKEN_REUSE, self._aws.expires_at)
            credentials = Credentials(self._user, SecretStr(token))
            self._tokens[(host, port)] = (credentials, expires_at)
            metrics.add("credential_refreshes")
            return credentials

    def invalidate(self, rejected: Credentials) -> bool:
        with self._lock:
            self._tokens = {k: v for k, v in self._tokens.items() if v[0] is not rejected}
        return True


def provider_for(
    settings: Settings, *, clock: Clock = time.time, aws: AwsIdentity | None = None
) -> CredentialProvider:
    """The provider ``settings.auth`` names."""
    if settings.auth == "password":
        return StaticPassword(settings)
    if settings.region is None:
        raise ConfigurationError(f"auth={settings.auth} needs PGPLAT_REGION (or AWS_REGION)")
    aws = aws or AwsIdentity(
        region=settings.region,
        role_arn=settings.role_arn,
        session_name=settings.application_name or "pgplat",
        clock=clock,
    )
    if settings.auth == "secret":
        return SecretsManagerPassword(settings, aws)
    return IamToken(settings, aws, clock)
