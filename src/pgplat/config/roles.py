"""Role names pgplat and RDS keep for themselves, so no database user can take one over.

A user named like a group role (``app_readonly``) would turn that NOLOGIN role into a login
role holding every grant of the group: a privilege escalation through the configuration.
"""

from __future__ import annotations

AUDIT_ROLE = "rds_pgaudit"
"""The role ``pgaudit.role`` names: privileges granted to it mark objects for audit logging."""
MASTER_USERNAME = "postgres"
"""The master user of every cloud database (its password is an RDS-managed secret)."""
ACCESS_LEVELS = ("read-write", "read-only")
RESERVED_NAMES = {
    MASTER_USERNAME: "the master user pgplat creates",
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
