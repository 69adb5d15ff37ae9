"""Performance Insights data (which holds SQL text) is encrypted with the customer-managed key."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import CLUSTER
from pgplat.policy.rules._kms import customer_managed_key
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, truthy

_SWITCH_AND_KEY = {
    CLUSTER: ("PerformanceInsightsEnabled", "PerformanceInsightsKmsKeyId"),
    "AWS::RDS::DBInstance": ("EnablePerformanceInsights", "PerformanceInsightsKMSKeyId"),
}


def performance_insights_encrypted_with_cmk(resource: Resource, context: Context) -> Verdict:
    switch, key = _SWITCH_AND_KEY[resource.type]
    if not truthy(resource.properties.get(switch)):
        return NOT_APPLICABLE
    return customer_managed_key(resource.properties.get(key), context, "Performance Insights")
