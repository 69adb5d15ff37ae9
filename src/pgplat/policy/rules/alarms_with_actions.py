"""Every alarm the database needs exists and notifies someone; on an Aurora cluster, CPU and
memory are alarmed on each instance (a cluster-wide average lets one saturated writer hide
behind idle readers)."""

from __future__ import annotations

from collections.abc import Iterator

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_aurora, is_primary, members
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, verdict

_COMMON = ("DatabaseConnections", "Deadlocks")
_PER_INSTANCE = ("CPUUtilization", "FreeableMemory")
_REPLICA_LAG = "AuroraReplicaLag"
_SAME_SIGNAL = {"AuroraReplicaLagMaximum": _REPLICA_LAG}
"""Metrics that answer the same question (the cluster-wide maximum covers every replica)."""
_INSTANCE = "DBInstanceIdentifier"


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
        yield from _PER_INSTANCE
        yield "FreeStorageSpace"
        if resource.type == "AWS::RDS::DBCluster":
            yield "ReplicaLag"
        return
    yield "FreeLocalStorage"
    instances = list(members(resource, context))
    for instance in instances:
        identifier = instance.properties.get(_INSTANCE, instance.logical_id)
        yield from (f"{metric} of {identifier}" for metric in _PER_INSTANCE)
    if len(instances) > 1:
        yield _REPLICA_LAG
    if any(i.properties.get("DBInstanceClass") == "db.serverless" for i in instances):
        yield "ACUUtilization"


def _metrics(alarm: Resource) -> Iterator[str]:
    """Metric names an alarm watches, directly or inside a metric-math expression, each also
    as '<metric> of <instance>' when the alarm is scoped to one DB instance."""
    stats = [alarm.properties] + [
        query.get("MetricStat", {}).get("Metric", {})
        for query in alarm.properties.get("Metrics", [])
    ]
    for stat in stats:
        name = stat.get("MetricName")
        if not name:
            continue
        yield _SAME_SIGNAL.get(str(name), str(name))
        for dimension in stat.get("Dimensions", []):
            if dimension.get("Name") == _INSTANCE:
                yield f"{name} of {dimension.get('Value')}"
