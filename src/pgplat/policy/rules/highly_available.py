"""Production survives the loss of an AZ: Multi-AZ, or an Aurora reader in another AZ."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_aurora, is_primary, members
from pgplat.policy.rules.base import (
    COMPLIANT,
    NOT_APPLICABLE,
    Context,
    Verdict,
    flat,
    non_compliant,
    truthy,
    verdict,
)


def highly_available(resource: Resource, context: Context) -> Verdict:
    if not (context.is_prod and is_primary(resource)):
        return NOT_APPLICABLE
    if resource.type == "AWS::RDS::DBInstance":
        return verdict(truthy(resource.properties.get("MultiAZ")), "MultiAZ is not true")
    if not is_aurora(resource):
        return COMPLIANT  # a Multi-AZ DB cluster always runs standbys in two other AZs
    instances = list(members(resource, context))
    if len(instances) < 2:
        return non_compliant(f"{len(instances)} instance(s): no reader to fail over to")
    pinned = [i.properties.get("AvailabilityZone") for i in instances]
    if None not in pinned and len({flat(zone) for zone in pinned}) == 1:
        return non_compliant(f"every instance is pinned to {flat(pinned[0])}")
    return COMPLIANT
