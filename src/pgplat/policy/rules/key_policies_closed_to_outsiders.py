"""No KMS key policy lets anyone, or an account outside the configuration, use or manage the
key unless a condition narrows the caller to the organisation (kms:CallerAccount,
aws:PrincipalOrgID, aws:SourceAccount/SourceArn)."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._resource_policy import policy_exposure
from pgplat.policy.rules.base import Context, Verdict


def key_policies_closed_to_outsiders(resource: Resource, context: Context) -> Verdict:
    return policy_exposure(resource.properties.get("KeyPolicy"), context, "KeyPolicy")
