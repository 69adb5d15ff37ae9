"""Automatic minor version upgrades are on or off exactly as the configuration says."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_host
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, truthy, verdict

_RDS_DEFAULT = True


def minor_upgrades_per_policy(resource: Resource, context: Context) -> Verdict:
    if not is_host(resource):
        return NOT_APPLICABLE
    wanted = context.config.maintenance.auto_minor_version_upgrade
    actual = truthy(resource.properties.get("AutoMinorVersionUpgrade", _RDS_DEFAULT))
    return verdict(actual == wanted, f"AutoMinorVersionUpgrade is {actual}, policy says {wanted}")
