"""Symmetric KMS keys rotate their key material yearly."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, truthy, verdict


def kms_key_rotation_enabled(resource: Resource, context: Context) -> Verdict:
    if resource.properties.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return NOT_APPLICABLE
    rotating = truthy(resource.properties.get("EnableKeyRotation"))
    return verdict(rotating, "EnableKeyRotation is not true")
