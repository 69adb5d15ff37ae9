"""PostgreSQL parameters every environment runs with, and the parameter group carrying them.

The baseline enforces TLS, loads ``pg_stat_statements``, logs what an operator needs after an
incident (slow statements, connections, lock waits, and pgaudit's record of the statement
classes ``audit.pgaudit_classes`` names) and ends sessions left idle inside a transaction.
``environments.<env>.parameters`` adds to or overrides any of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import aws_rds as rds
from constructs import Construct

from pgplat.config.roles import AUDIT_ROLE

BASELINE: Mapping[str, str] = {
    "rds.force_ssl": "1",
    "shared_preload_libraries": "pg_stat_statements,pgaudit",
    "pg_stat_statements.track": "all",
    "log_min_duration_statement": "1000",
    "log_connections": "1",
    "log_disconnections": "1",
    "log_lock_waits": "1",
    "idle_in_transaction_session_timeout": "600000",
    # pgaudit: object auditing through the role the bootstrap SQL creates; statement
    # parameters (which may hold secrets) and catalog-only queries are not logged.
    "pgaudit.role": AUDIT_ROLE,
    "pgaudit.log_parameter": "0",
    "pgaudit.log_catalog": "0",
}
"""Values RDS receives, as strings; durations in milliseconds."""


def effective_parameters(
    overrides: Mapping[str, str | int | float], *, pgaudit_classes: Sequence[str]
) -> dict[str, str]:
    """The baseline, ``pgaudit.log`` from the audited classes, then the environment's
    overrides, sorted by name."""
    audit = {"pgaudit.log": ",".join(pgaudit_classes) or "none"}
    merged = {**BASELINE, **audit, **{name: str(value) for name, value in overrides.items()}}
    return dict(sorted(merged.items()))


def parameter_group(
    scope: Construct,
    construct_id: str,
    *,
    engine: rds.IEngine,
    name: str,
    group_name: str,
    parameters: Mapping[str, str],
) -> rds.ParameterGroup:
    """A parameter group for ``engine`` named ``group_name`` (the description names database
    ``name``); clusters bind it as a cluster group, instances as DB."""
    return rds.ParameterGroup(
        scope,
        construct_id,
        engine=engine,
        name=group_name,
        description=f"pgplat parameters of {name}",
        parameters=dict(parameters),
    )
