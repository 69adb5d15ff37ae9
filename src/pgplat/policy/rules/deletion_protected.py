"""The production database cannot be deleted without first turning protection off."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_primary
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, truthy, verdict


def deletion_protected(resource: Resource, context: Context) -> Verdict:
    if not (context.is_prod and is_primary(resource)):
        return NOT_APPLICABLE
    protected = truthy(resource.properties.get("DeletionProtection"))
    return verdict(protected, "DeletionProtection is not true")
