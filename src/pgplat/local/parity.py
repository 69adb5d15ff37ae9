"""How the running local twin differs from production's configuration (`pgplat dev diff`):
measured on the server (``SHOW``, catalogs, privileges), compared with what the configuration
gives RDS, so "behaves like production" is a checked statement.

Production's parameters are passed in (the synthesis layer owns them); ``rds.*`` parameters
have no local twin and are compared as what they mean (``rds.force_ssl`` is the TLS check).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass

import psycopg

from pgplat.config.model import PgplatConfig
from pgplat.local.cluster import ServerInfo

_TRUE = {"1", "on", "true", "yes"}
_FALSE = {"0", "off", "false", "no"}
_SCHEMA_CREATE = {"owner": True, "read-write": False, "read-only": False}
"""Whether each access level may create in the application schema (its DDL)."""


@dataclass(frozen=True)
class Difference:
    """One measured way the twin is not production."""

    aspect: str
    """version, extension, parameter, user, grant or tls."""
    name: str
    production: str
    local: str
    by_design: bool = False
    """A difference the twin has on purpose (passwords where production uses IAM)."""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def differences(
    config: PgplatConfig, info: ServerInfo, production_parameters: Mapping[str, str]
) -> list[Difference]:
    """Every difference between the running twin ``info`` and production, by aspect."""
    with psycopg.connect(info.admin_conninfo(), autocommit=True) as conn:
        return [
            *_version(conn, config),
            *_extensions(conn, config),
            *_parameters(conn, production_parameters),
            *_users(conn, config),
            *_tls(conn, production_parameters),
        ]


def _one(conn: psycopg.Connection[tuple[object, ...]], query: str, *args: object) -> object:
    row = conn.execute(query, list(args)).fetchone()
    return None if row is None else row[0]


def _version(
    conn: psycopg.Connection[tuple[object, ...]], config: PgplatConfig
) -> Iterator[Difference]:
    number = int(str(_one(conn, "SHOW server_version_num")))
    local = f"{number // 10000}.{number % 10000}"
    production = config.engine_version("prod")
    wanted = production.split(".")
    if local.split(".")[: len(wanted)] != wanted:
        yield Difference("version", "PostgreSQL", production, local)


def _extensions(
    conn: psycopg.Connection[tuple[object, ...]], config: PgplatConfig
) -> Iterator[Difference]:
    rows = conn.execute("SELECT extname FROM pg_extension").fetchall()
    installed = {str(name) for (name,) in rows}
    for name in sorted(set(config.database.extensions) - installed):
        yield Difference("extension", name, "installed", "missing")


def _normal(value: str) -> str:
    lowered = value.strip().lower()
    return "on" if lowered in _TRUE else "off" if lowered in _FALSE else value.strip()


def _parameters(
    conn: psycopg.Connection[tuple[object, ...]], production: Mapping[str, str]
) -> Iterator[Difference]:
    for name, wanted in sorted(production.items()):
        if name.startswith("rds."):
            continue
        local = _one(conn, "SELECT setting FROM pg_settings WHERE name = %s", name)
        if local is None:
            yield Difference("parameter", name, wanted, "not available")
        elif _normal(str(local)) != _normal(wanted):
            yield Difference("parameter", name, wanted, str(local) or "(empty)")


def _users(
    conn: psycopg.Connection[tuple[object, ...]], config: PgplatConfig
) -> Iterator[Difference]:
    schema = config.database.schema_name
    for user in config.database.users:
        row = conn.execute(
            "SELECT rolcanlogin, rolsuper, has_schema_privilege(rolname, %s, 'CREATE')"
            " FROM pg_roles WHERE rolname = %s",
            [schema, user.name],
        ).fetchone()
        if row is None:
            yield Difference("user", user.name, user.access, "missing")
            continue
        login, superuser, creates = row
        if not login or superuser:
            yield Difference(
                "user", user.name, "login, not superuser", f"login={login}, superuser={superuser}"
            )
        if creates != _SCHEMA_CREATE[user.access]:
            yield Difference(
                "grant",
                f"{user.name} CREATE on schema {schema}",
                str(_SCHEMA_CREATE[user.access]).lower(),
                str(creates).lower(),
            )
        yield Difference("user", f"{user.name} authentication", user.auth, "password", True)


def _tls(
    conn: psycopg.Connection[tuple[object, ...]], production: Mapping[str, str]
) -> Iterator[Difference]:
    forced = _normal(production.get("rds.force_ssl", "0")) == "on"
    rejected = _one(
        conn,
        "SELECT count(*) > 0 FROM pg_hba_file_rules WHERE type = 'hostnossl' AND auth_method = 'reject'",
    )
    local = "on" if _one(conn, "SHOW ssl") == "on" and rejected else "off"
    if local != ("on" if forced else "off"):
        yield Difference("tls", "TLS required (rds.force_ssl)", "on" if forced else "off", local)
