"""Every alarm the database needs exists and notifies someone."""

from __future__ import annotations

from collections.abc import Iterator

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_aurora, is_primary, members
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, verdict

_COMMON = ("CPUUtilization", "FreeableMemory", "DatabaseConnections", "Deadlocks")
_REPLICA_LAG = "AuroraReplicaLag"
_SAME_SIGNAL = {"AuroraReplicaLagMaximum": _REPLICA_LAG}
"""Metrics that answer the same question (the cluster-wide maximum covers every replica)."""


def alarms_with_actions(resource: Resource, context: Context) -> Verdict:
    if not is_primary(resource):
        return NOT_APPLICABLE
    required = set(_required_metrics(resource, context))
    notifying = {
        metric
        for alarm in context.resources("AWS::CloudWatch::Alarm")
        if alarm.properties.get("AlarmActions")
        for metric in _metrics(alarm)
    }
    missing = sorted(required - notifying)
    return verdict(not missing, f"no alarm with an action on {', '.join(missing)}")


def _required_metrics(resource: Resource, context: Context) -> Iterator[str]:
    yield from _COMMON
    if not is_aurora(resource):
        yield "FreeStorageSpace"
        if resource.type == "AWS::RDS::DBCluster":
            yield "ReplicaLag"
        return
    yield "FreeLocalStorage"
    instances = list(members(resource, context))
    if len(instances) > 1:
        yield _REPLICA_LAG
    if any(i.properties.get("DBInstanceClass") == "db.serverless" for i in instances):
        yield "ACUUtilization"


def _metrics(alarm: Resource) -> Iterator[str]:
    """Metric names an alarm watches, directly or inside a metric-math expression."""
    names = [alarm.properties.get("MetricName")] + [
        query.get("MetricStat", {}).get("Metric", {}).get("MetricName")
        for query in alarm.properties.get("Metrics", [])
    ]
    for name in filter(None, names):
        yield _SAME_SIGNAL.get(str(name), str(name))
