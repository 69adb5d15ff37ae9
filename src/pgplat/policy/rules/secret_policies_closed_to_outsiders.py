"""No Secrets Manager resource policy lets anyone, or an account outside the configuration,
read or change a secret unless a condition narrows the caller to the organisation."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._resource_policy import policy_exposure
from pgplat.policy.rules.base import Context, Verdict


def secret_policies_closed_to_outsiders(resource: Resource, context: Context) -> Verdict:
    return policy_exposure(resource.properties.get("ResourcePolicy"), context, "ResourcePolicy")
