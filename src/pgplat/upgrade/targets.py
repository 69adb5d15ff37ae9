"""Which major upgrades RDS and Aurora PostgreSQL offer, and from which minor Blue/Green can.

The table is dated and names its sources. ``DescribeDBEngineVersions`` answers the same
question live (each version's ``ValidUpgradeTarget``); :func:`targets_from_engine_versions`
reads that answer so a reachable account overrides the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pgplat.config.calendar import Flavor, supported_majors

TARGETS_AS_OF = date(2026, 11, 1)
SOURCES = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/blue-green-deployments-replication-type.html",
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/blue-green-deployments-overview.html",
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.PostgreSQL.MajorVersion.html",
)

BLUE_GREEN_MINIMUM_MINOR: Mapping[int, int] = {11: 21, 12: 16, 13: 12, 14: 9, 15: 4, 16: 1}
"""The lowest minor of each major from which a Blue/Green deployment may upgrade the major
(it then replicates logically); every minor of 17 and later qualifies."""

ENGINE: Mapping[Flavor, str] = {"aurora": "aurora-postgresql", "rds": "postgres"}


@dataclass(frozen=True)
class UpgradePath:
    """Whether ``source`` can reach ``target_major`` in one Blue/Green step, and why not."""

    source: tuple[int, int | None]
    target_major: int
    offered: tuple[int, ...]
    """Majors the source can upgrade to directly."""
    blue_green_minimum: int | None
    """The source major's lowest minor for a Blue/Green major upgrade (None: every minor)."""

    @property
    def direct(self) -> bool:
        return self.target_major in self.offered

    @property
    def minor_high_enough(self) -> bool:
        minor = self.source[1]
        return self.blue_green_minimum is None or (
            minor is not None and minor >= self.blue_green_minimum
        )


def offered_majors(flavor: Flavor, source_major: int, on: date) -> tuple[int, ...]:
    """Majors one step away: every later major the flavor offers under standard support.

    RDS and Aurora let any supported source minor (at the minimum above) upgrade directly
    to every later major they offer; older minors first need a minor upgrade.
    """
    return tuple(m for m in supported_majors(flavor, on) if m > source_major)


def upgrade_path(
    flavor: Flavor, source: tuple[int, int | None], target_major: int, on: date
) -> UpgradePath:
    """The path from the configured version to ``target_major`` by the dated table."""
    return UpgradePath(
        source=source,
        target_major=target_major,
        offered=offered_majors(flavor, source[0], on),
        blue_green_minimum=BLUE_GREEN_MINIMUM_MINOR.get(source[0]),
    )


def targets_from_engine_versions(
    versions: Iterable[Mapping[str, Any]], source_version: str
) -> tuple[int, ...]:
    """Majors that ``DescribeDBEngineVersions`` lists as ``ValidUpgradeTarget`` of the source.

    ``versions`` are the ``DBEngineVersions`` of one engine; a source version AWS does not
    list (deprecated) has no targets.
    """
    for version in versions:
        if version.get("EngineVersion") != source_version:
            continue
        return tuple(
            sorted(
                {
                    int(str(target["EngineVersion"]).split(".")[0])
                    for target in version.get("ValidUpgradeTarget", [])
                    if target.get("IsMajorVersionUpgrade")
                }
            )
        )
    return ()


def offered_by_aws(session: Any, flavor: Flavor, version: str) -> tuple[int, ...]:
    """Ask ``DescribeDBEngineVersions`` (in ``session``'s account) what ``version`` reaches."""
    pages = (
        session.client("rds")
        .get_paginator("describe_db_engine_versions")
        .paginate(Engine=ENGINE[flavor], EngineVersion=version)
    )
    return targets_from_engine_versions(
        (v for page in pages for v in page["DBEngineVersions"]), version
    )
