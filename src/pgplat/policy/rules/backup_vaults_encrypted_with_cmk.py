"""AWS Backup vaults are encrypted with a customer-managed key."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._kms import customer_managed_key
from pgplat.policy.rules.base import Context, Verdict


def backup_vaults_encrypted_with_cmk(resource: Resource, context: Context) -> Verdict:
    key = resource.properties.get("EncryptionKeyArn")
    return customer_managed_key(key, context, "the backup vault")
