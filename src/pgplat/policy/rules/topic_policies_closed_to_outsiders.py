"""No SNS topic policy lets anyone, or an account outside the configuration, publish to or
subscribe to the alarm topic unless a condition narrows the caller to the organisation."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._resource_policy import policy_exposure
from pgplat.policy.rules.base import Context, Verdict


def topic_policies_closed_to_outsiders(resource: Resource, context: Context) -> Verdict:
    return policy_exposure(resource.properties.get("PolicyDocument"), context, "PolicyDocument")
