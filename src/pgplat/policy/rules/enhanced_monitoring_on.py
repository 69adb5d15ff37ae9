"""Enhanced Monitoring collects OS metrics, with a role to publish them."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_host
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, verdict


def enhanced_monitoring_on(resource: Resource, context: Context) -> Verdict:
    if not is_host(resource):
        return NOT_APPLICABLE
    interval = int(resource.properties.get("MonitoringInterval", 0))
    has_role = "MonitoringRoleArn" in resource.properties
    return verdict(
        interval > 0 and has_role, f"MonitoringInterval is {interval}, role set: {has_role}"
    )
