"""`pgplat upgrade plan`: the path to a major, every prerequisite, and the cost of waiting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pgplat.config.model import PgplatConfig
from pgplat.design.extended_support import ExtendedSupportCost, extended_support_cost
from pgplat.upgrade.findings import Prerequisite
from pgplat.upgrade.prerequisites import (
    configuration_prerequisites,
    path_prerequisites,
    source_version,
    support_prerequisite,
)
from pgplat.upgrade.targets import TARGETS_AS_OF, UpgradePath, upgrade_path


@dataclass(frozen=True)
class UpgradePlan:
    """What `upgrade plan` found for one environment; blocked while any blocker remains."""

    environment: str
    flavor: str
    source: str
    target_major: int
    path: UpgradePath
    prerequisites: Sequence[Prerequisite]
    cost_of_waiting: ExtendedSupportCost
    """What staying on the source major costs a month once its standard support ends."""
    inspected: str | None
    """What database the data prerequisites were read from; None when not inspected."""
    targets_source: str
    """Where the offered majors come from: the dated table or AWS itself."""

    @property
    def blockers(self) -> list[Prerequisite]:
        return [p for p in self.prerequisites if p.status == "blocker"]

    @property
    def ready(self) -> bool:
        return not self.blockers

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "flavor": self.flavor,
            "source": self.source,
            "target_major": self.target_major,
            "offered_majors": list(self.path.offered),
            "targets_source": self.targets_source,
            "ready": self.ready,
            "blockers": len(self.blockers),
            "prerequisites": [p.as_dict() for p in self.prerequisites],
            "inspected": self.inspected,
            "extended_support": self.cost_of_waiting.as_dict(),
        }


def plan_upgrade(
    config: PgplatConfig,
    env_name: str,
    to_major: int,
    *,
    today: date,
    data_prerequisites: Sequence[Prerequisite] | None = None,
    inspected: str | None = None,
    offered: tuple[int, ...] | None = None,
) -> UpgradePlan:
    """Plan ``env_name``'s upgrade to ``to_major``.

    ``data_prerequisites`` come from inspecting a database (:mod:`pgplat.upgrade.inspection`);
    ``offered`` are the majors AWS itself lists as upgrade targets, when it was reachable.
    """
    env = config.environments.cloud()[env_name]
    source = source_version(config, env_name)
    path = upgrade_path(env.flavor, source, to_major, today)
    targets_source = f"pgplat's table of {TARGETS_AS_OF}"
    if offered is not None:
        path = UpgradePath(source, to_major, offered, path.blue_green_minimum)
        targets_source = "DescribeDBEngineVersions"
    prerequisites = [
        *path_prerequisites(path, env.flavor),
        support_prerequisite(config, env_name, to_major),
        *configuration_prerequisites(config, env_name, to_major),
        *(data_prerequisites or ()),
    ]
    return UpgradePlan(
        environment=env_name,
        flavor=env.flavor,
        source=config.engine_version(env_name),
        target_major=to_major,
        path=path,
        prerequisites=prerequisites,
        cost_of_waiting=extended_support_cost(env, source[0], config.region),
        inspected=inspected,
        targets_source=targets_source,
    )
