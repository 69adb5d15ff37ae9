"""Production keeps automated backups for at least 7 days."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_primary
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, verdict

MINIMUM_DAYS = 7
_RDS_DEFAULT_DAYS = 1


def backup_retention_sufficient(resource: Resource, context: Context) -> Verdict:
    if not (context.is_prod and is_primary(resource)):
        return NOT_APPLICABLE
    days = int(resource.properties.get("BackupRetentionPeriod", _RDS_DEFAULT_DAYS))
    return verdict(days >= MINIMUM_DAYS, f"backups are kept {days} day(s)")
