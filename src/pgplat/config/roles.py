"""Role names pgplat and RDS keep for themselves, so no database user can take one over.

A user named like a group role (``app_readonly``) would turn that NOLOGIN role into a login
role holding every grant of the group: a privilege escalation through the configuration.
"""

from __future__ import annotations

AUDIT_ROLE = "rds_pgaudit"
"""The role ``pgaudit.role`` names: privileges granted to it mark objects for audit logging."""
DEFAULT_MASTER_USERNAME = "pgplat_admin"
"""The master user of a cloud database unless ``environments.<env>.master_username`` names
another (its password is an RDS-managed secret). Not ``postgres``: the name every scan tries."""
LOCAL_SUPERUSER = "postgres"
ACCESS_LEVELS = ("owner", "read-write", "read-only")
"""Owner runs DDL and owns the schema; read-write changes rows (DML only); read-only reads."""
RESERVED_NAMES = {
    LOCAL_SUPERUSER: "the local server's superuser (and the usual master user of RDS)",
    AUDIT_ROLE: "the role pgaudit logs object access through",
    "rdsadmin": "RDS's own administrator",
    "rds_superuser": "RDS's administrative group role",
    "rds_iam": "the group role granting IAM authentication",
    "rds_replication": "RDS's replication role",
    "rds_password": "RDS's password-management role",
    "public": "PostgreSQL's pseudo-role of every role",
}
_FIX = "; choose another name"
RESERVED_PREFIXES = {
    "pg_": "PostgreSQL reserves role names starting with pg_",
    "rds": "RDS reserves role names starting with rds",
}


_SQL_RESERVED = frozenset(
    {"all", "current_role", "current_user", "none", "session_user", "user", "select", "table"}
)
"""Words PostgreSQL does not take as a role name unquoted, which RDS refuses as a master user."""


def group_role(schema: str, access: str) -> str:
    """The NOLOGIN role holding one access level on the schema, e.g. ``app_readwrite``."""
    return f"{schema}_{access.replace('-', '')}"


def reserved_reason(name: str) -> str | None:
    """Why PostgreSQL, RDS or pgplat keep ``name`` whatever the schema, or None when it is free."""
    if name in RESERVED_NAMES:
        return f"{name!r} is reserved: it is {RESERVED_NAMES[name]}{_FIX}"
    for prefix, why in RESERVED_PREFIXES.items():
        if name.startswith(prefix):
            return f"{name!r} is reserved: {why}{_FIX}"
    return None


def master_username_reason(name: str) -> str | None:
    """Why RDS or pgplat refuse ``name`` as a master user, or None when it can be one."""
    if name.lower() in _SQL_RESERVED:
        return f"{name!r} is an SQL reserved word, which RDS refuses as a master user{_FIX}"
    if name == LOCAL_SUPERUSER:
        return None  # RDS's own default: kept by databases deployed before pgplat_admin
    return reserved_reason(name)


def group_role_reason(name: str, schema: str) -> str | None:
    """Why ``name`` cannot be a user next to ``schema``'s group roles, or None when it can."""
    for access in ACCESS_LEVELS:
        if name == group_role(schema, access):
            return (
                f"{name!r} is reserved: it is pgplat's NOLOGIN group role for {access} access "
                f"to schema {schema}, and a user of that name would hold the whole group's "
                f"grants{_FIX}"
            )
    return None
