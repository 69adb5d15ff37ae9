"""Every secret has a rotation schedule, so a leaked password stops working on its own."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules.base import Context, Verdict, verdict

_ATTACHMENT = "AWS::SecretsManager::SecretTargetAttachment"


def secrets_rotated(resource: Resource, context: Context) -> Verdict:
    scheduled = any(
        _targets(schedule.properties.get("SecretId"), resource, context)
        and schedule.properties.get("RotationRules")
        for schedule in context.resources("AWS::SecretsManager::RotationSchedule")
    )
    return verdict(scheduled, "no rotation schedule targets this secret")


def _targets(secret_id: object, secret: Resource, context: Context) -> bool:
    """Whether a schedule's SecretId names the secret, directly or through the target
    attachment that binds it to the database (whose Ref is the secret's ARN)."""
    named = context.resolve(secret_id)
    if named is not None and named.type == _ATTACHMENT:
        return context.references(named.properties.get("SecretId"), secret)
    return context.references(secret_id, secret)
