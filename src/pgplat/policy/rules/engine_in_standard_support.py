"""The engine major is under RDS/Aurora standard support, or what happens past it was chosen:
Extended Support paid for, or AWS's own upgrade accepted (EngineLifecycleSupport)."""

from __future__ import annotations

from pgplat.config.calendar import CALENDAR, Flavor
from pgplat.config.types import parse_engine_version
from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import is_aurora, is_primary
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, non_compliant, verdict


def engine_in_standard_support(resource: Resource, context: Context) -> Verdict:
    if not is_primary(resource):
        return NOT_APPLICABLE
    version = str(resource.properties.get("EngineVersion", ""))
    if not version:
        return non_compliant("no EngineVersion: the engine would drift to whatever is default")
    try:
        support = CALENDAR.get(parse_engine_version(version)[0])
    except ValueError:
        support = None
    flavor: Flavor = "aurora" if is_aurora(resource) else "rds"
    end = support.standard_support_end(flavor) if support is not None else None
    if end is None:
        return non_compliant(f"PostgreSQL {version} is not offered under standard support")
    chosen = resource.properties.get("EngineLifecycleSupport")
    return verdict(
        end > context.today or chosen is not None,
        f"standard support of {version} ended {end} and nothing was chosen for after it",
    )
