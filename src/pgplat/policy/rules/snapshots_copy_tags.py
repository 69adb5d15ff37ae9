"""Snapshots inherit the database's tags (owner, cost center, environment)."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_primary
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, truthy, verdict


def snapshots_copy_tags(resource: Resource, context: Context) -> Verdict:
    if not is_primary(resource):
        return NOT_APPLICABLE
    copies = truthy(resource.properties.get("CopyTagsToSnapshot"))
    return verdict(copies, "CopyTagsToSnapshot is not true")
