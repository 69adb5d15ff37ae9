"""Maintenance and backups run in the windows derived to miss business hours."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_primary
from pgplat.policy.rules.base import Context, Verdict, verdict


def windows_outside_business_hours(resource: Resource, context: Context) -> Verdict:
    derived = context.config.maintenance.windows
    expected = {"PreferredMaintenanceWindow": derived.maintenance}
    if is_primary(resource):
        expected["PreferredBackupWindow"] = derived.backup
    wrong = [
        f"{key} is {resource.properties.get(key)!r}, not {window!r}"
        for key, window in expected.items()
        if str(resource.properties.get(key, "")).lower() != window.lower()
    ]
    return verdict(not wrong, "; ".join(wrong))
