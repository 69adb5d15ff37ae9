"""Whether a KMS key reference names a customer-managed key with rotation, the key the plan's
'KMS enabled' means: AWS-managed keys cannot be restricted by key policy or rotated by us."""

from __future__ import annotations

from typing import Any

from pgplat.policy.rules.base import COMPLIANT, Context, Verdict, non_compliant, truthy


def customer_managed_key(value: Any, context: Context, what: str) -> Verdict:
    """Compliant when ``value`` names a rotating KMS key of ours or the configured key."""
    if value is None:
        return non_compliant(f"{what} uses the AWS-managed key instead of the CMK")
    key = context.resolve(value)
    if key is not None:
        if key.type != "AWS::KMS::Key":
            return non_compliant(f"{what} names {key.logical_id} ({key.type}), not a KMS key")
        if not truthy(key.properties.get("EnableKeyRotation")):
            return non_compliant(f"{what} uses key {key.logical_id}, which has no rotation")
        return COMPLIANT
    configured = _configured_key(context)
    if configured is not None and value == configured:
        return COMPLIANT
    if isinstance(value, str) and "alias/aws/" in value:
        return non_compliant(f"{what} uses the AWS-managed key {value}")
    return non_compliant(f"{what} uses {value!r}, which is neither our key nor the configured CMK")


def _configured_key(context: Context) -> str | None:
    if context.environment is None:
        return None
    environment = context.config.environments.cloud().get(context.environment)
    return environment.kms_key_arn if environment is not None else None
