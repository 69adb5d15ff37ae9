"""Find and delete drill copies that outlived their drill (a killed process, a lost laptop).

Only resources named ``drill-*`` and carrying the drill tag are considered, and only once they
are older than the grace period, so a drill that is still running is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pgplat.validator.clock import Clock
from pgplat.validator.copies import Copy, CopyControl, Part, PartKind
from pgplat.validator.drill_names import DRILL_PREFIX, DRILL_TAG, started_at

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_rds.type_defs import TagTypeDef

DEFAULT_GRACE = timedelta(hours=6)


@dataclass(frozen=True)
class Orphan:
    drill_id: str
    started: datetime
    parts: tuple[Part, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "drill_id": self.drill_id,
            "started": self.started.isoformat(),
            "parts": [str(part) for part in self.parts],
        }


def find_orphans(rds: RDSClient, now: datetime, grace: timedelta = DEFAULT_GRACE) -> list[Orphan]:
    """Drill copies started more than ``grace`` ago, clusters before their instances."""
    tagged: dict[str, tuple[datetime, list[Part]]] = {}

    def collect(kind: PartKind, name: str, tag_list: Iterable[TagTypeDef]) -> None:
        tags: Mapping[str, str] = {
            t["Key"]: t["Value"] for t in tag_list if "Key" in t and "Value" in t
        }
        started = started_at(tags)
        if started is None or now - started < grace or not name.startswith(DRILL_PREFIX):
            return
        entry = tagged.setdefault(tags[DRILL_TAG], (started, []))
        entry[1].append(Part(kind, name))

    for page in rds.get_paginator("describe_db_clusters").paginate():
        for cluster in page["DBClusters"]:
            collect("cluster", cluster["DBClusterIdentifier"], cluster.get("TagList", []))
    for instances in rds.get_paginator("describe_db_instances").paginate():
        for instance in instances["DBInstances"]:
            collect("instance", instance["DBInstanceIdentifier"], instance.get("TagList", []))
    return [
        Orphan(drill, started, tuple(parts)) for drill, (started, parts) in sorted(tagged.items())
    ]


def delete_orphans(
    restorer: CopyControl,
    orphans: Iterable[Orphan],
    clock: Clock,
    deadline: timedelta,
    poll: timedelta = timedelta(seconds=30),
) -> list[str]:
    """Delete every orphan; returns the parts still present when ``deadline`` ran out."""
    copies = [Copy(o.drill_id, list(o.parts)) for o in orphans]
    give_up = clock.now() + deadline
    while any([restorer.delete_next(copy) for copy in copies]):
        if clock.now() >= give_up:
            break
        clock.sleep(poll.total_seconds())
    return [str(part) for copy in copies for part in copy.parts]
