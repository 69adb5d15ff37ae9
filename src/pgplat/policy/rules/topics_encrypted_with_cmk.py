"""Alarm topics are encrypted with the customer-managed key."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._kms import customer_managed_key
from pgplat.policy.rules.base import Context, Verdict


def topics_encrypted_with_cmk(resource: Resource, context: Context) -> Verdict:
    return customer_managed_key(resource.properties.get("KmsMasterKeyId"), context, "the topic")
