"""`pgplat upgrade cleanup`: delete the old blue of a finished upgrade once its rollback
period is over.

`upgrade run` keeps the old blue (RDS renames it ``<identifier>-old<N>``) and tags it with
:data:`DELETE_AFTER_TAG`. Cleanup looks at exactly those databases of one environment and
deletes each whose time has come, with a final snapshot: the snapshot is the way back once
the rollback period is over, so nothing is lost. Nothing else is touched: not the live
database, not a database without the tag, not one whose tag is not a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pgplat.config.model import PgplatConfig
from pgplat.naming import database_identifier
from pgplat.upgrade.blue_green import DELETE_AFTER_TAG

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient

Fate = Literal["delete", "keep", "unreadable"]


@dataclass(frozen=True)
class OldBlue:
    """One old blue of the environment's database, and what cleanup does with it at ``now``."""

    identifier: str
    engine_version: str
    tag: str
    """The raw :data:`DELETE_AFTER_TAG` value."""
    delete_after: datetime | None
    """None: the tag is not an ISO 8601 time with a zone, so the database is left alone."""
    fate: Fate

    def as_dict(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "engine_version": self.engine_version,
            "delete_after": self.delete_after.isoformat() if self.delete_after else self.tag,
            "fate": self.fate,
        }


def _deadline(tag: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(tag)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _fate(deadline: datetime | None, now: datetime) -> Fate:
    if deadline is None:
        return "unreadable"
    return "delete" if deadline <= now else "keep"


def old_blues(rds: RDSClient, identifier: str, *, cluster: bool, now: datetime) -> list[OldBlue]:
    """The tagged old blues of ``identifier`` (clusters, or instances), oldest name first."""
    renamed = re.compile(rf"{re.escape(identifier)}-old\d+")
    found: list[OldBlue] = []
    for described in _described(rds, cluster=cluster):
        name = described["DBClusterIdentifier" if cluster else "DBInstanceIdentifier"]
        tags = {t["Key"]: t["Value"] for t in described.get("TagList", [])}
        if not renamed.fullmatch(name) or DELETE_AFTER_TAG not in tags:
            continue
        deadline = _deadline(tags[DELETE_AFTER_TAG])
        found.append(
            OldBlue(
                name,
                described["EngineVersion"],
                tags[DELETE_AFTER_TAG],
                deadline,
                _fate(deadline, now),
            )
        )
    return sorted(found, key=lambda blue: blue.identifier)


def _described(rds: RDSClient, *, cluster: bool) -> list[Any]:
    if cluster:
        return [
            c for p in rds.get_paginator("describe_db_clusters").paginate() for c in p["DBClusters"]
        ]
    return [
        i for p in rds.get_paginator("describe_db_instances").paginate() for i in p["DBInstances"]
    ]


def final_snapshot_name(blue: OldBlue, now: datetime) -> str:
    """The final snapshot's identifier: the old blue's name and the minute it went."""
    return f"{blue.identifier}-final-{now.astimezone(UTC):%Y%m%d%H%M}"


def delete_old_blue(
    rds: RDSClient, blue: OldBlue, *, cluster: bool, members: bool, now: datetime
) -> str:
    """Delete ``blue`` keeping a final snapshot; the snapshot's name. ``members``: an Aurora
    cluster, whose instances go first (a Multi-AZ DB cluster deletes its own)."""
    snapshot = final_snapshot_name(blue, now)
    if cluster:
        rds.modify_db_cluster(
            DBClusterIdentifier=blue.identifier, DeletionProtection=False, ApplyImmediately=True
        )
        if members:
            described = rds.describe_db_clusters(DBClusterIdentifier=blue.identifier)
            for member in described["DBClusters"][0].get("DBClusterMembers", []):
                rds.delete_db_instance(DBInstanceIdentifier=member["DBInstanceIdentifier"])
        rds.delete_db_cluster(
            DBClusterIdentifier=blue.identifier,
            SkipFinalSnapshot=False,
            FinalDBSnapshotIdentifier=snapshot,
        )
    else:
        rds.modify_db_instance(
            DBInstanceIdentifier=blue.identifier, DeletionProtection=False, ApplyImmediately=True
        )
        rds.delete_db_instance(
            DBInstanceIdentifier=blue.identifier,
            SkipFinalSnapshot=False,
            FinalDBSnapshotIdentifier=snapshot,
            DeleteAutomatedBackups=False,
        )
    return snapshot


@dataclass(frozen=True)
class Cleaned:
    """What cleanup did with one old blue: ``snapshot`` is set when it was deleted."""

    blue: OldBlue
    snapshot: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.blue.as_dict() | {"final_snapshot": self.snapshot}


def clean_up(
    rds: RDSClient, config: PgplatConfig, env: str, *, now: datetime, dry_run: bool
) -> list[Cleaned]:
    """Delete ``env``'s old blues whose rollback period is over (none under ``dry_run``)."""
    environment = config.environments.cloud()[env]
    cluster = environment.flavor == "aurora" or environment.multi_az_cluster
    identifier = database_identifier(config, env)
    cleaned = []
    for blue in old_blues(rds, identifier, cluster=cluster, now=now):
        snapshot = None
        if blue.fate == "delete" and not dry_run:
            snapshot = delete_old_blue(
                rds, blue, cluster=cluster, members=environment.flavor == "aurora", now=now
            )
        cleaned.append(Cleaned(blue, snapshot))
    return cleaned
