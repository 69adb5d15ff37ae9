"""No S3 bucket policy (the audit trail's buckets) lets anyone, or an account outside the
configuration, read or write objects unless a condition narrows the caller to the
organisation; deny statements (TLS only) may name everyone."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._resource_policy import policy_exposure
from pgplat.policy.rules.base import Context, Verdict


def bucket_policies_closed_to_outsiders(resource: Resource, context: Context) -> Verdict:
    return policy_exposure(resource.properties.get("PolicyDocument"), context, "PolicyDocument")
