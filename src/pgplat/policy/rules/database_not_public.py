"""The database has no public endpoint."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules.base import Context, Verdict, truthy, verdict


def database_not_public(resource: Resource, context: Context) -> Verdict:
    public = truthy(resource.properties.get("PubliclyAccessible"))
    return verdict(not public, "PubliclyAccessible is true")
