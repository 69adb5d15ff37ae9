"""PostgreSQL logs are exported to CloudWatch Logs."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_primary
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, verdict


def log_exports_on(resource: Resource, context: Context) -> Verdict:
    if not is_primary(resource):
        return NOT_APPLICABLE
    exports = resource.properties.get("EnableCloudwatchLogsExports", [])
    return verdict("postgresql" in exports, "the postgresql log is not exported")
