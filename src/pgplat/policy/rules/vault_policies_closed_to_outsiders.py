"""No backup vault access policy lets anyone, or an account outside the configuration, copy,
restore or delete recovery points unless a condition narrows the caller to the organisation.
A vault without an access policy answers only to its own account."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._resource_policy import policy_exposure
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict


def vault_policies_closed_to_outsiders(resource: Resource, context: Context) -> Verdict:
    policy = resource.properties.get("AccessPolicy")
    if policy is None:
        return NOT_APPLICABLE
    return policy_exposure(policy, context, "AccessPolicy")
