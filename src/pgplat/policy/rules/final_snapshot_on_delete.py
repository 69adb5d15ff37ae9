"""Deleting or replacing the production database leaves a final snapshot."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_primary
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, verdict

_POLICIES = ("DeletionPolicy", "UpdateReplacePolicy")


def final_snapshot_on_delete(resource: Resource, context: Context) -> Verdict:
    if not (context.is_prod and is_primary(resource)):
        return NOT_APPLICABLE
    wrong = [
        f"{policy} is {resource.definition.get(policy, 'Delete')}"
        for policy in _POLICIES
        if resource.definition.get(policy) != "Snapshot"
    ]
    return verdict(not wrong, "; ".join(wrong))
