"""Database storage is encrypted with the customer-managed key."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_primary
from pgplat.policy.rules._kms import customer_managed_key
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, non_compliant, truthy


def storage_encrypted_with_cmk(resource: Resource, context: Context) -> Verdict:
    if not is_primary(resource):
        return NOT_APPLICABLE
    if not truthy(resource.properties.get("StorageEncrypted")):
        return non_compliant("StorageEncrypted is not true")
    return customer_managed_key(resource.properties.get("KmsKeyId"), context, "storage")
