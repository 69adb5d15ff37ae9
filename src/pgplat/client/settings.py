"""Connection settings from the libpq environment variables plus pgplat's own, optionally
read from a `.env` file, with explicit overrides winning.

Precedence: keyword overrides > process environment > `.env` file > defaults. The same code
therefore runs on a laptop (`.env` written by `pgplat dev`) and in a pod (ConfigMap).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from pgplat.client.errors import ConfigurationError
from pgplat.client.identity import POD_VARS, workload_identity

CredentialSource = Literal["password", "iam", "secret"]
"""Where a connection's password comes from: PGPASSWORD, an IAM token, or a Secrets Manager
secret (the configuration's ``auth`` of a database user says how the server checks it)."""

ENV_VARS: dict[str, str] = {
    "PGHOST": "host",
    "PGPORT": "port",
    "PGDATABASE": "dbname",
    "PGUSER": "user",
    "PGPASSWORD": "password",
    "PGSSLMODE": "sslmode",
    "PGSSLROOTCERT": "sslrootcert",
    "PGAPPNAME": "application_name",
    "PGCONNECT_TIMEOUT": "connect_timeout",
    "PGPLAT_AUTH": "auth",
    "PGPLAT_FAILOVER_TIMEOUT": "failover_timeout",
    "PGPLAT_ROLE_ARN": "role_arn",
    "PGPLAT_SECRET_ARN": "secret_arn",
    "PGPLAT_READER_HOST": "reader_host",
    "PGPLAT_REGION": "region",
    "AWS_REGION": "region",
}
"""Environment variable -> setting. Earlier entries win when two name the same setting."""


class Settings(BaseModel):
    """Where and how to connect. `repr()` never shows the password."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(default="localhost", description="Writer (cluster) endpoint.")
    port: int = Field(default=5432, ge=1, le=65535)
    dbname: str | None = Field(default=None, description="Defaults to the user name (libpq).")
    user: str | None = Field(default=None, description="Required for iam; from the secret.")
    password: SecretStr | None = Field(default=None, description="Only for auth=password.")
    sslmode: str | None = Field(
        default=None, description="Default: verify-full for iam and secret, libpq's otherwise."
    )
    sslrootcert: str | None = Field(default=None, description="CA bundle, see `pgplat certs`.")
    application_name: str | None = Field(
        default=None, description="Default: the workload identity (namespace.service-account)."
    )
    connect_timeout: int = Field(default=5, ge=1, description="Seconds per connection attempt.")
    failover_timeout: float = Field(
        default=30.0, gt=0, description="Seconds to keep retrying through a failover."
    )
    auth: CredentialSource = Field(default="password", description="password, iam or secret.")
    role_arn: str | None = Field(
        default=None, description="Data-account role assumed from the pod's identity (iam)."
    )
    secret_arn: str | None = Field(default=None, description="Secrets Manager secret (secret).")
    reader_host: str | None = Field(
        default=None, description="Reader endpoint for readonly=True; default: host."
    )
    region: str | None = Field(default=None, description="AWS region of the database.")

    @property
    def cloud(self) -> bool:
        """Whether credentials come from AWS (and TLS is therefore mandatory)."""
        return self.auth != "password"


def load_settings(
    *,
    environ: Mapping[str, str] | None = None,
    env_file: str | Path | None = ".env",
    **overrides: Any,
) -> Settings:
    """Settings from ``overrides``, then ``environ`` (default: os.environ), then ``env_file``
    (skipped when it does not exist or is None)."""
    environ = os.environ if environ is None else environ
    file_values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        file_values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    values: dict[str, Any] = {}
    for source in (file_values, environ):
        for var, name in reversed(ENV_VARS.items()):
            value = source.get(var)
            if value:
                values[name] = value
    values.update({k: v for k, v in overrides.items() if v is not None})
    pod = {var: src[var] for src in (file_values, environ) for var in POD_VARS if src.get(var)}
    values.setdefault("application_name", workload_identity(pod))
    return _validated(values)


def _validated(values: Mapping[str, Any]) -> Settings:
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "settings"
        raise ConfigurationError(
            f"connection setting {where}: {error['msg']} "
            f"(set it with its environment variable or as a keyword argument)"
        ) from None
    _check_complete(settings)
    return settings


def _check_complete(settings: Settings) -> None:
    if settings.auth == "secret" and not settings.secret_arn:
        raise ConfigurationError("auth=secret needs PGPLAT_SECRET_ARN (the secret's ARN)")
    if settings.auth == "iam" and not settings.user:
        raise ConfigurationError("auth=iam needs PGUSER (the database user granted rds_iam)")
    if settings.cloud and not settings.region:
        raise ConfigurationError(f"auth={settings.auth} needs PGPLAT_REGION (or AWS_REGION)")
