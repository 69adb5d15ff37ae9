"""For Docker users: a ``compose.yaml`` running the official ``postgres`` image of prod's
major with the same database, users, TLS and settings as ``pgplat dev up`` gives natively.

Passwords are not in the file: the container reads them from ``compose.env`` (0600) in
pgplat's own folder, through the service's ``env_file``. The application's settings go to
``.env`` only when compose is the chosen runtime (``environments.local.binaries: docker``) and
no native server runs; otherwise to ``.env.compose``, so the native server's ``.env`` is never
rewritten. Neither holds the superuser's password.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.local.account import ServerAccount
from pgplat.local.cluster import HOST, LocalCluster, libpq_env
from pgplat.local.envfile import write_env_file
from pgplat.local.files import refuse_link, write_private
from pgplat.local.home import claim
from pgplat.local.passwords import SUPERUSER
from pgplat.local.tls import certificate_names, ensure_tls
from pgplat.naming import POSTGRES_PORT, compose_project_name
from pgplat.project import Project
from pgplat.sql import bootstrap_sql

APP_ENV_FILE = ".env.compose"
"""The application's settings for the container when ``.env`` belongs to the native server."""
CONTAINER_ENV_FILE = "compose.env"
"""The container's passwords, beside its init files in pgplat's folder."""
_TLS = "/run/pgplat/tls"
_HBA_IN_CONTAINER = "/run/pgplat/pg_hba.conf"
_KEY_IN_CONTAINER = "/var/lib/postgresql/server.key"
# Inside the container the image's init scripts use the socket; the host reaches the
# published port from the Docker bridge, so TCP is allowed from anywhere but only over TLS.
_HBA = """\
local     all all         trust
hostssl   all all 0.0.0.0/0 scram-sha-256
hostssl   all all ::/0      scram-sha-256
hostnossl all all all       reject
"""


@dataclass(frozen=True)
class ComposeFiles:
    """What ``pgplat dev compose`` wrote."""

    compose_file: Path
    app_env_file: Path
    notes: tuple[str, ...]


def password_variable(user: str) -> str:
    """The container's environment variable holding a user's password."""
    return f"PGPLAT_PASSWORD_{user.upper()}"


def compose_document(config: PgplatConfig, data_dir: str, host_port: int) -> dict[str, Any]:
    """The compose file as data (paths relative to the project directory)."""
    db = config.database
    settings = {
        "ssl": "on",
        "ssl_cert_file": f"{_TLS}/server.crt",
        "ssl_key_file": _KEY_IN_CONTAINER,
        "hba_file": _HBA_IN_CONTAINER,
        "password_encryption": "scram-sha-256",
        "timezone": "UTC",
        "log_timezone": "UTC",
    }
    if "pg_stat_statements" in db.extensions:
        settings["shared_preload_libraries"] = "pg_stat_statements"
    postgres_args = " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in settings.items())
    start = (
        f"install -o postgres -g postgres -m 600 {_TLS}/server.key {_KEY_IN_CONTAINER} "
        f"&& exec docker-entrypoint.sh postgres {postgres_args}"
    )
    environment = {"POSTGRES_DB": db.name, "POSTGRES_USER": SUPERUSER, "TZ": "UTC"}
    return {
        "name": compose_project_name(config),
        "services": {
            "postgres": {
                "image": f"postgres:{db.engine_version}",
                "command": ["sh", "-c", start],
                "environment": environment,
                "env_file": [f"./{data_dir}/docker/{CONTAINER_ENV_FILE}"],
                "ports": [f"127.0.0.1:{host_port}:{POSTGRES_PORT}"],
                "volumes": [
                    "pgdata:/var/lib/postgresql/data",
                    f"./{data_dir}/tls:{_TLS}:ro",
                    f"./{data_dir}/docker/pg_hba.conf:{_HBA_IN_CONTAINER}:ro",
                    f"./{data_dir}/docker/initdb:/docker-entrypoint-initdb.d:ro",
                ],
                "healthcheck": {
                    "test": ["CMD-SHELL", f"pg_isready -U {SUPERUSER} -d {db.name}"],
                    "interval": "2s",
                    "timeout": "3s",
                    "retries": 30,
                },
            }
        },
        "volumes": {"pgdata": {}},
    }


def _passwords_script(config: PgplatConfig) -> str:
    """Init script setting each user's password from the container environment."""
    lines = [
        f"ALTER ROLE \"{u.name}\" PASSWORD :'{u.name}_password';" for u in config.database.users
    ]
    variables = " ".join(
        f'-v {u.name}_password="${password_variable(u.name)}"' for u in config.database.users
    )
    return (
        "#!/bin/sh\n# Written by pgplat dev compose: passwords come from the environment.\n"
        "set -eu\n"
        f"psql -v ON_ERROR_STOP=1 --username {SUPERUSER} --dbname \"$POSTGRES_DB\" {variables} <<'SQL'\n"
        + "\n".join(lines)
        + "\nSQL\n"
    )


def write_compose(cluster: LocalCluster, project: Project, user: str) -> ComposeFiles:
    """Write ``compose.yaml``, its init files and the container's passwords, reusing
    ``cluster``'s CA and passwords, and ``user``'s settings for the application."""
    if user == SUPERUSER:
        raise UserError(
            f"dev compose --user {SUPERUSER}: the superuser's password stays in pgplat's "
            "folder; choose an application user (see database.users)"
        )
    claim(cluster.root, 0o700)
    docker = cluster.root / "docker"
    initdb = docker / "initdb"
    refuse_link(docker)
    initdb.mkdir(parents=True, exist_ok=True)
    # The container's root reads the key, so the files belong to the caller.
    ensure_tls(
        cluster.tls.ca_cert.parent, ServerAccount.caller(), certificate_names(cluster.config)
    )
    bootstrap = bootstrap_sql(cluster.config, target="local")
    for path, text in (
        (docker / "pg_hba.conf", _HBA),
        (initdb / "10-bootstrap.sql", bootstrap),
        (initdb / "20-passwords.sh", _passwords_script(cluster.config)),
    ):
        write_private(path, text, mode=0o644, within=cluster.root)
    passwords = cluster.passwords
    write_env_file(
        docker / CONTAINER_ENV_FILE,
        {"POSTGRES_PASSWORD": passwords[SUPERUSER]}
        | {password_variable(u): p for u, p in passwords.items()},
    )
    document = compose_document(cluster.config, project.local_data_dir, cluster.preferred_port)
    path = project.root / "compose.yaml"
    header = "# Written by `pgplat dev compose`: production-parity PostgreSQL for Docker users.\n"
    write_private(
        path, header + yaml.safe_dump(document, sort_keys=False), mode=0o644, within=project.root
    )
    settings = libpq_env(
        HOST,
        cluster.preferred_port,
        cluster.config.database.name,
        user,
        passwords[user],
        cluster.tls.ca_cert,
    )
    app_env = write_env_file(app_env_path(cluster, project), settings)
    return ComposeFiles(path, app_env, _notes(cluster, app_env))


def _notes(cluster: LocalCluster, app_env: Path) -> tuple[str, ...]:
    """Where the application finds the container, and a port the native server holds."""
    notes = []
    if app_env.name == APP_ENV_FILE:
        notes.append(
            f"{app_env.name} holds the container's settings (.env stays the native server's): "
            f"pgplat.connect(env_file={app_env.name!r})"
        )
    if cluster.status() == "running" and cluster.info().port == cluster.preferred_port:
        notes.append(
            f"the native server listens on port {cluster.preferred_port}, which compose.yaml "
            "publishes: run `pgplat dev down` before `docker compose up`"
        )
    return tuple(notes)


def app_env_path(cluster: LocalCluster, project: Project) -> Path:
    """``.env`` when compose is the chosen runtime and no native server runs, else
    ``.env.compose``: the native server's ``.env`` is never compose's to rewrite."""
    chosen = cluster.config.environments.local.binaries == "docker"
    if chosen and cluster.status() != "running":
        return project.env_file
    return project.root / APP_ENV_FILE
