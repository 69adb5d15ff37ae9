"""Connection settings from the libpq environment variables plus pgplat's own, optionally
read from a `.env` file, with explicit overrides winning.

Precedence: keyword overrides > process environment > `.env` file > defaults. The same code
therefore runs on a laptop (`.env` written by `pgplat dev`) and in a pod (ConfigMap).
"""

from __future__ import annotations

import os
import warnings
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
    "PGPLAT_PROXY": "proxy",
    "AWS_REGION": "region",
}
"""Environment variable -> setting. Earlier entries win when two name the same setting."""

PROJECT_MARKERS = (".git", "pgplat.yaml")
"""A folder holding one of these is a project's root: the `.env` search goes no higher, so a
file in a parent folder (another project's, a shared /tmp) is never read."""


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
    proxy: bool = Field(
        default=False,
        description="Behind RDS Proxy: no server-side prepared statements, which pin the "
        "session to one database connection (docs/proxy.md).",
    )

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
    (found by `find_upward`; skipped when there is none or it is None)."""
    environ = os.environ if environ is None else environ
    found = find_upward(env_file) if env_file is not None else None
    file_values: dict[str, str] = {}
    if found is not None:
        file_values = {k: v for k, v in dotenv_values(found).items() if v is not None}
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


def find_upward(name: str | Path, start: Path | None = None) -> Path | None:
    """``name`` itself when absolute; else the nearest ``start/name``, ``start/../name``, … up
    to the project's root (see `PROJECT_MARKERS`) or the filesystem's, as `pgplat dev` writes
    `.env` at the root and applications (and their tests) run from any subfolder.

    python-dotenv's ``find_dotenv`` walks to ``/`` from the caller's source file; this walks
    from the working folder and stops at the project. A file (or a link's target) owned by
    another user is passed over: a `.env` planted in a shared parent must not redirect the
    application's password to another host. Links are followed: reading one writes nothing.
    """
    path = Path(name)
    if path.is_absolute():
        return path if path.is_file() else None
    folder = (start or Path.cwd()).absolute()
    for candidate_dir in (folder, *folder.parents):
        candidate = candidate_dir / path
        if candidate.is_file():
            if _owned_by_me(candidate):
                return candidate
            # Said, not raised: a planted file must not stop an application that needs none.
            warnings.warn(
                f"{candidate} is owned by another user: not read (chown it, or pass env_file)",
                stacklevel=2,
            )
        if any((candidate_dir / marker).exists() for marker in PROJECT_MARKERS):
            return None
    return None


def _owned_by_me(path: Path) -> bool:
    """Whether the link (if any) and the file are the current user's or root's."""
    me = os.geteuid() if hasattr(os, "geteuid") else None
    if me is None:
        return True  # Windows: no owner ids to compare
    owners = {path.lstat().st_uid, path.stat().st_uid}
    return owners <= {me, 0}


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
