"""Performance Insights is on for every database host."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import CLUSTER, cluster_of, is_host, is_member
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, truthy, verdict


def performance_insights_on(resource: Resource, context: Context) -> Verdict:
    if not is_host(resource):
        return NOT_APPLICABLE
    if resource.type == CLUSTER:
        enabled = truthy(resource.properties.get("PerformanceInsightsEnabled"))
    else:
        cluster = cluster_of(resource, context) if is_member(resource) else None
        enabled = truthy(resource.properties.get("EnablePerformanceInsights")) or (
            cluster is not None and truthy(cluster.properties.get("PerformanceInsightsEnabled"))
        )
    return verdict(enabled, "Performance Insights is off")
