"""The bootstrap SQL every environment runs in the application database, prod and local alike.

One generator keeps local development honest: the roles, privileges and extensions a
developer gets are the ones production gets. The script is idempotent, so it is re-run after
every configuration change, and it carries no secret: passwords are set by whoever owns them
(Secrets Manager rotation in the cloud, ``pgplat dev`` locally).
"""

from __future__ import annotations

from typing import Literal

from psycopg import sql

from pgplat.config.model import DatabaseUser, PgplatConfig
from pgplat.config.roles import (  # validation reserves them too
    ACCESS_LEVELS,
    AUDIT_ROLE,
    group_role,
)

Target = Literal["rds", "local"]

_TABLE_PRIVILEGES = {"read-write": "SELECT, INSERT, UPDATE, DELETE", "read-only": "SELECT"}
_SEQUENCE_PRIVILEGES = {"read-write": "USAGE, SELECT, UPDATE", "read-only": "SELECT"}
"""What the data levels get on every table and sequence; the owner level owns them."""
__all__ = ["Target", "bootstrap_sql", "group_role"]


def _ident(name: str) -> str:
    return sql.Identifier(name).as_string(None)


def _literal(value: str) -> str:
    return sql.Literal(value).as_string(None)


def _ensure_role(name: str, *, login: bool) -> str:
    """Create the role, or check an existing one is of the same kind: turning a NOLOGIN
    group into a login user (or a user into a group) would hand out its privileges."""
    refusal = (
        f"role {name} already exists as a NOLOGIN group role; pgplat will not make it a "
        "login user (it would get the group's privileges): rename the user in database.users"
        if login
        else f"role {name} already exists and can log in; pgplat will not use it as a group "
        "role (its members' privileges would go to whoever logs in): drop or rename that "
        "role, or choose another database.schema_name"
    )
    attributes = "LOGIN" if login else "NOLOGIN"
    return (
        "DO $$ BEGIN\n"
        f"  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(name)}) THEN\n"
        f"    CREATE ROLE {_ident(name)} {attributes};\n"
        f"  ELSIF (SELECT rolcanlogin FROM pg_roles WHERE rolname = {_literal(name)})"
        f" IS DISTINCT FROM {str(login).lower()} THEN\n"
        f"    RAISE EXCEPTION USING MESSAGE = {_literal(refusal)};\n"
        "  END IF;\n"
        "END $$;"
    )


def _revoke_if_member(group: str, role: str) -> str:
    """Drop a membership left by an earlier configuration (a user moved to read-only)."""
    return (
        "DO $$ BEGIN\n"
        "  IF EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid\n"
        "             JOIN pg_roles r ON r.oid = m.member\n"
        f"             WHERE g.rolname = {_literal(group)} AND r.rolname = {_literal(role)}) THEN\n"
        f"    REVOKE {_ident(group)} FROM {_ident(role)};\n"
        "  END IF;\n"
        "END $$;"
    )


def _extension(name: str, target: Target) -> str:
    create = f"CREATE EXTENSION IF NOT EXISTS {_ident(name)};"
    if target == "rds":
        return create
    # Local binaries may lack an extension RDS has; say so instead of failing the bootstrap.
    return (
        "DO $$ BEGIN\n"
        f"  IF EXISTS (SELECT FROM pg_available_extensions WHERE name = {_literal(name)}) THEN\n"
        f"    {create}\n"
        "  ELSE\n"
        f"    RAISE WARNING 'extension % is not available in the local binaries', {_literal(name)};\n"
        "  END IF;\n"
        "END $$;"
    )


def _pgaudit() -> list[str]:
    """The role pgaudit's object auditing logs through (``pgaudit.role``), and the extension.

    pgaudit can only be created where the server preloads it: on RDS after the reboot that
    applies the parameter group, locally only with binaries that ship it. Until then the
    role is still made and the extension skipped with a warning; a re-run creates it.
    """
    loaded = (
        "'pgaudit' = ANY (string_to_array("
        "replace(current_setting('shared_preload_libraries'), ' ', ''), ','))"
    )
    return [
        _ensure_role(AUDIT_ROLE, login=False),
        "DO $$ BEGIN\n"
        f"  IF {loaded} THEN\n"
        "    CREATE EXTENSION IF NOT EXISTS pgaudit;\n"
        "  ELSE\n"
        "    RAISE WARNING 'pgaudit is not in shared_preload_libraries (yet): statements are "
        "not audited; reboot after the parameter group change, then re-run the bootstrap';\n"
        "  END IF;\n"
        "END $$;",
    ]


def _user(user: DatabaseUser, schema: str) -> list[str]:
    role = _ident(user.name)
    statements = [
        _ensure_role(user.name, login=True),
        *(
            _revoke_if_member(group_role(schema, a), user.name)
            for a in ACCESS_LEVELS
            if a != user.access
        ),
        f"GRANT {_ident(group_role(schema, user.access))} TO {role};",
        f"ALTER ROLE {role} SET search_path = {_ident(schema)}, public;",
    ]
    if user.auth == "iam":
        # On RDS, membership in rds_iam makes the user log in with IAM tokens only. Locally the
        # stand-in role keeps the same grants valid while the user logs in with a password.
        statements.append(f"GRANT rds_iam TO {role};")
    if user.access == "owner":
        # Tables this user creates must be usable by the data groups. Setting that needs
        # membership in the user's role, which RDS's master (no superuser) lacks: hold it
        # only for these statements.
        statements.append(f"GRANT {role} TO CURRENT_USER;")
        statements.extend(_default_privileges(schema, f"FOR ROLE {role} "))
        statements.append(f"REVOKE {role} FROM CURRENT_USER;")
    return statements


def _default_privileges(schema: str, for_role: str) -> list[str]:
    """Privileges on tables and sequences the creator makes later, for both data levels."""
    statements = []
    for access in _TABLE_PRIVILEGES:
        grantee = _ident(group_role(schema, access))
        prefix = f"ALTER DEFAULT PRIVILEGES {for_role}IN SCHEMA {_ident(schema)}"
        statements.append(f"{prefix} GRANT {_TABLE_PRIVILEGES[access]} ON TABLES TO {grantee};")
        statements.append(
            f"{prefix} GRANT {_SEQUENCE_PRIVILEGES[access]} ON SEQUENCES TO {grantee};"
        )
    return statements


PROBE_TABLE = "pgplat_failover_probe"
"""The failover drill's (and the upgrade rehearsal's) probe writes and reads its rows here."""


def probe_table_ddl(schema: str) -> str:
    """The probe table, created if missing."""
    return (
        f"CREATE TABLE IF NOT EXISTS {_ident(schema)}.{_ident(PROBE_TABLE)} (drill text NOT NULL, "
        "seq bigint NOT NULL, written_at timestamptz NOT NULL DEFAULT now(), "
        "PRIMARY KEY (drill, seq));"
    )


def _probe_table(schema: str) -> list[str]:
    """The probe table, made by the owner group so its default privileges give read-write its
    rows: drills write as the application's user, which may not create tables."""
    owner = _ident(group_role(schema, "owner"))
    return [f"SET ROLE {owner};", probe_table_ddl(schema), "RESET ROLE;"]


def _groups(config: PgplatConfig) -> list[str]:
    """The three NOLOGIN groups and what each holds: the owner group owns the schema, so it
    creates in it (DDL), and holds read-write; read-write and read-only get rows, not CREATE
    (revoked from databases bootstrapped before the owner level existed).

    The bootstrapping user joins the owner group until the end of the script: on RDS the
    master is no superuser, and only the schema's owner (or a member) may grant on it and set
    the owner's default privileges.
    """
    db = config.database
    schema, database = _ident(db.schema_name), _ident(db.name)
    owner = _ident(group_role(db.schema_name, "owner"))
    out = [_ensure_role(group_role(db.schema_name, a), login=False) for a in ACCESS_LEVELS]
    out += [
        f"GRANT {owner} TO CURRENT_USER;",
        f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {owner};",
        f"ALTER SCHEMA {schema} OWNER TO {owner};",
        # Migrations also move rows, on tables they did not create too.
        f"GRANT {_ident(group_role(db.schema_name, 'read-write'))} TO {owner};",
    ]
    for access in ACCESS_LEVELS:
        group = _ident(group_role(db.schema_name, access))
        out += [
            f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {group};",
            f"GRANT USAGE ON SCHEMA {schema} TO {group};",
        ]
    for access in _TABLE_PRIVILEGES:
        group = _ident(group_role(db.schema_name, access))
        out += [
            f"REVOKE CREATE ON SCHEMA {schema} FROM {group};",
            f"GRANT {_TABLE_PRIVILEGES[access]} ON ALL TABLES IN SCHEMA {schema} TO {group};",
            f"GRANT {_SEQUENCE_PRIVILEGES[access]} ON ALL SEQUENCES IN SCHEMA {schema} TO {group};",
        ]
    return out + _default_privileges(db.schema_name, f"FOR ROLE {owner} ")


def bootstrap_sql(config: PgplatConfig, target: Target = "rds") -> str:
    """Idempotent SQL creating schema, roles, privileges and extensions in the app database.

    Run it connected to ``config.database.name`` as the master user (RDS) or the local
    superuser. ``target="local"`` creates a NOLOGIN ``rds_iam`` stand-in so IAM users keep
    their grant, and skips extensions the local binaries do not ship, with a warning. Both
    create the ``rds_pgaudit`` role and, where the server preloads it, the pgaudit extension.
    """
    db = config.database
    database = _ident(db.name)
    out = [
        f"-- pgplat bootstrap of database {db.name} ({target}); safe to re-run.",
        "SET client_min_messages = warning;",
    ]
    if target == "local":
        out.append(_ensure_role("rds_iam", login=False))
    out += [
        f"REVOKE ALL ON DATABASE {database} FROM PUBLIC;",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
    ]
    out += _groups(config)
    out += _default_privileges(db.schema_name, "")
    out += _probe_table(db.schema_name)
    for user in db.users:
        out += _user(user, db.schema_name)
    owner = _ident(group_role(db.schema_name, "owner"))
    out.append(f"REVOKE {owner} FROM CURRENT_USER;")
    out += [_extension(name, target) for name in db.extensions]
    out += _pgaudit()
    return "\n".join(out) + "\n"
