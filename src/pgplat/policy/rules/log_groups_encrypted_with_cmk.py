"""Log groups (PostgreSQL logs, VPC flow logs) are encrypted with the customer-managed key."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._kms import customer_managed_key
from pgplat.policy.rules.base import Context, Verdict


def log_groups_encrypted_with_cmk(resource: Resource, context: Context) -> Verdict:
    return customer_managed_key(resource.properties.get("KmsKeyId"), context, "the log group")
