"""Secrets, including an RDS-managed master secret, are encrypted with the customer-managed key."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._kms import customer_managed_key
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, truthy


def secrets_encrypted_with_cmk(resource: Resource, context: Context) -> Verdict:
    props = resource.properties
    if resource.type == "AWS::SecretsManager::Secret":
        return customer_managed_key(props.get("KmsKeyId"), context, "the secret")
    if not truthy(props.get("ManageMasterUserPassword")):
        return NOT_APPLICABLE
    key = props.get("MasterUserSecret", {}).get("KmsKeyId")
    return customer_managed_key(key, context, "the RDS-managed master secret")
