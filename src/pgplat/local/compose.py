"""For Docker users: a ``compose.yaml`` running the official ``postgres`` image of prod's
major with the same database, users, TLS and settings as ``pgplat dev up`` gives natively.

Passwords are not in the file: Compose reads them from the project's ``.env`` (0600).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

from pgplat.config import PgplatConfig
from pgplat.local.account import ServerAccount
from pgplat.local.cluster import HOST, LocalCluster, libpq_env
from pgplat.local.files import refuse_link, write_private
from pgplat.local.home import claim
from pgplat.local.passwords import SUPERUSER
from pgplat.local.tls import ensure_tls
from pgplat.naming import POSTGRES_PORT, compose_project_name
from pgplat.project import Project
from pgplat.sql import bootstrap_sql

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


def password_variable(user: str) -> str:
    """The ``.env`` variable Compose takes a user's password from."""
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
    users = [SUPERUSER, *(u.name for u in db.users)]
    environment = {
        "POSTGRES_DB": db.name,
        "POSTGRES_USER": SUPERUSER,
        "POSTGRES_PASSWORD": f"${{{password_variable(SUPERUSER)}:?run pgplat dev compose}}",
        "TZ": "UTC",
    } | {
        password_variable(u): f"${{{password_variable(u)}:?run pgplat dev compose}}"
        for u in users[1:]
    }
    return {
        "name": compose_project_name(config),
        "services": {
            "postgres": {
                "image": f"postgres:{db.engine_version}",
                "command": ["sh", "-c", start],
                "environment": environment,
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


def write_compose(cluster: LocalCluster, project: Project) -> Path:
    """Write ``compose.yaml`` and its init files, reusing ``cluster``'s CA and passwords;
    return the compose file's path."""
    claim(cluster.root, 0o700)
    docker = cluster.root / "docker"
    initdb = docker / "initdb"
    refuse_link(docker)
    initdb.mkdir(parents=True, exist_ok=True)
    # The container's root reads the key, so the files belong to the caller.
    ensure_tls(cluster.tls.ca_cert.parent, ServerAccount.caller())
    bootstrap = bootstrap_sql(cluster.config, target="local")
    for path, text in (
        (docker / "pg_hba.conf", _HBA),
        (initdb / "10-bootstrap.sql", bootstrap),
        (initdb / "20-passwords.sh", _passwords_script(cluster.config)),
    ):
        write_private(path, text, mode=0o644, within=cluster.root)
    document = compose_document(cluster.config, project.local_data_dir, cluster.preferred_port)
    path = project.root / "compose.yaml"
    header = "# Written by `pgplat dev compose`: production-parity PostgreSQL for Docker users.\n"
    write_private(
        path, header + yaml.safe_dump(document, sort_keys=False), mode=0o644, within=project.root
    )
    return path


def compose_env(cluster: LocalCluster, user: str) -> dict[str, str]:
    """The ``.env`` beside ``compose.yaml``: ``user``'s settings for the container's published
    port, and every user's password for Compose to pass in."""
    passwords = cluster.passwords
    settings = libpq_env(
        HOST,
        cluster.preferred_port,
        cluster.config.database.name,
        user,
        passwords[user],
        cluster.tls.ca_cert,
    )
    return settings | {password_variable(u): p for u, p in passwords.items()}
