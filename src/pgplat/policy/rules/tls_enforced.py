"""The database's parameter group enforces TLS (``rds.force_ssl = 1``)."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import CLUSTER, is_primary
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, flat, non_compliant, verdict


def tls_enforced(resource: Resource, context: Context) -> Verdict:
    if not is_primary(resource):
        return NOT_APPLICABLE
    key = "DBClusterParameterGroupName" if resource.type == CLUSTER else "DBParameterGroupName"
    reference = resource.properties.get(key)
    if reference is None:
        return non_compliant(f"no {key}: the default group does not force TLS")
    group = context.resolve(reference)
    if group is None:
        return non_compliant(f"{key} {flat(reference)} is not one of ours, so TLS is unproven")
    value = group.properties.get("Parameters", {}).get("rds.force_ssl")
    return verdict(str(value) == "1", f"{group.logical_id} sets rds.force_ssl to {value!r}")
