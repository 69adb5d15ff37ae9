"""PostgreSQL parameters every environment runs with, and the parameter group carrying them.

The baseline enforces TLS, loads ``pg_stat_statements``, logs what an operator needs after an
incident (slow statements, connections, lock waits) and ends sessions left idle inside a
transaction. ``environments.<env>.parameters`` adds to or overrides any of it. A later
addition (say pgaudit) is one more entry here.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_rds as rds
from constructs import Construct

BASELINE: Mapping[str, str] = {
    "rds.force_ssl": "1",
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "all",
    "log_min_duration_statement": "1000",
    "log_connections": "1",
    "log_disconnections": "1",
    "log_lock_waits": "1",
    "idle_in_transaction_session_timeout": "600000",
}
"""Values RDS receives, as strings; durations in milliseconds."""


def effective_parameters(overrides: Mapping[str, str | int | float]) -> dict[str, str]:
    """The baseline with the environment's overrides applied, sorted by name."""
    merged = {**BASELINE, **{name: str(value) for name, value in overrides.items()}}
    return dict(sorted(merged.items()))


def parameter_group(
    scope: Construct,
    construct_id: str,
    *,
    engine: rds.IEngine,
    name: str,
    parameters: Mapping[str, str],
) -> rds.ParameterGroup:
    """A parameter group for ``engine``; clusters bind it as a cluster group, instances as DB."""
    return rds.ParameterGroup(
        scope,
        construct_id,
        engine=engine,
        description=f"pgplat parameters of {name}",
        parameters=dict(parameters),
    )
