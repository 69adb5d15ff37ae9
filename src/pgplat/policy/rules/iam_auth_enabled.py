"""IAM database authentication is enabled, so workloads connect with short-lived tokens."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import CLUSTER, is_aurora, is_primary
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, truthy, verdict


def iam_auth_enabled(resource: Resource, context: Context) -> Verdict:
    if not is_primary(resource):
        return NOT_APPLICABLE
    if resource.type == CLUSTER and not is_aurora(resource):
        return NOT_APPLICABLE  # a Multi-AZ DB cluster offers no IAM database authentication
    enabled = truthy(resource.properties.get("EnableIAMDatabaseAuthentication"))
    return verdict(enabled, "EnableIAMDatabaseAuthentication is not true")
