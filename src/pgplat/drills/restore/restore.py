"""Restoring a temporary copy: read the source, then restore it from a snapshot or its log.

Two shapes share one flow: an Aurora cluster (restored cluster plus one writer instance) and
an RDS instance. The source is only ever *described*; every call that creates names a part of
the copy, which the drill made and tagged itself. Waiting for, logging in to and deleting the
copy is the validator's (``pgplat.validator.copies``), shared with the scheduled restore test.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pgplat.errors import UserError
from pgplat.validator.copies import AuroraCopies, Copy, CopyControl, InstanceCopies, Part, creating

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_rds.type_defs import (
        DBClusterSnapshotTypeDef,
        DBClusterTypeDef,
        DBInstanceTypeDef,
        DBSnapshotTypeDef,
        TagTypeDef,
    )

RestoreFrom = Literal["latest-snapshot", "pitr"]


@dataclass(frozen=True)
class Source:
    """What the drill needs to know of the source, read once before anything is restored."""

    identifier: str
    engine: str
    engine_version: str
    instance_class: str
    subnet_group: str
    vpc_id: str
    kms_key_id: str | None
    master_username: str
    iam_auth: bool
    latest_restorable: datetime | None


@dataclass(frozen=True)
class RecoveryPoint:
    """Where the copy restores from: a snapshot, or the source's log at an instant."""

    restore_from: RestoreFrom
    time: datetime
    snapshot: str | None = None


class Restorer(CopyControl):
    """One database shape's restore: the request is shared, the API calls are the shape's."""

    @abstractmethod
    def describe_source(self, identifier: str) -> Source: ...

    @abstractmethod
    def latest_snapshot(self, source: Source) -> RecoveryPoint: ...

    def start(
        self,
        source: Source,
        point: RecoveryPoint,
        copy: Copy,
        security_group: str,
        tags: list[TagTypeDef],
    ) -> None:
        """Request the restore; each part is recorded on ``copy`` as soon as it exists."""
        settings: dict[str, Any] = {
            "DBSubnetGroupName": source.subnet_group,
            "VpcSecurityGroupIds": [security_group],
            "EnableIAMDatabaseAuthentication": source.iam_auth,
            "DeletionProtection": False,
            "CopyTagsToSnapshot": False,
            "Tags": tags,
            **self._shape_settings(source),
        }
        with creating(copy, Part(self.kind, copy.identifier)):
            if point.snapshot is not None:
                self._from_snapshot(source, point.snapshot, copy.identifier, settings)
            else:
                self._to_point_in_time(source, point.time, copy.identifier, settings)
        self._complete(source, copy, tags)

    def _complete(self, source: Source, copy: Copy, tags: list[TagTypeDef]) -> None:
        """Whatever the restored copy needs before it can be used (nothing, unless said)."""

    @abstractmethod
    def _shape_settings(self, source: Source) -> dict[str, Any]: ...

    @abstractmethod
    def _from_snapshot(
        self, source: Source, snapshot: str, identifier: str, settings: dict[str, Any]
    ) -> None: ...

    @abstractmethod
    def _to_point_in_time(
        self, source: Source, time: datetime, identifier: str, settings: dict[str, Any]
    ) -> None: ...


def _source(
    identifier: str,
    found: DBClusterTypeDef | DBInstanceTypeDef,
    instance_class: str,
    subnet_group: str,
    vpc_id: str,
) -> Source:
    """The source from its description: what a cluster and an instance describe alike."""
    return Source(
        identifier=identifier,
        engine=found["Engine"],
        engine_version=found["EngineVersion"],
        instance_class=instance_class,
        subnet_group=subnet_group,
        vpc_id=vpc_id,
        kms_key_id=found.get("KmsKeyId"),
        master_username=found["MasterUsername"],
        iam_auth=found.get("IAMDatabaseAuthenticationEnabled", False),
        latest_restorable=found.get("LatestRestorableTime"),
    )


def _newest(
    snapshots: Iterable[tuple[str, DBClusterSnapshotTypeDef | DBSnapshotTypeDef]], source: str
) -> RecoveryPoint:
    """The newest available one of the (name, description) pairs of a source's snapshots."""
    available = [
        (name, s["SnapshotCreateTime"])
        for name, s in snapshots
        if s.get("Status") == "available" and "SnapshotCreateTime" in s
    ]
    if not available:
        raise UserError(f"no available snapshot of {source}; take one or drill with --from pitr")
    name, taken = max(available, key=lambda item: item[1])
    return RecoveryPoint("latest-snapshot", taken, name)


class AuroraRestorer(Restorer, AuroraCopies):
    """An Aurora cluster: restore the cluster, then add one writer of the source's class."""

    def describe_source(self, identifier: str) -> Source:
        cluster = self._rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
        writers = [
            m["DBInstanceIdentifier"]
            for m in cluster.get("DBClusterMembers", [])
            if m.get("IsClusterWriter")
        ]
        if not writers:
            raise UserError(
                f"cluster {identifier} has no writer instance; the drill copies its class"
            )
        writer = self._rds.describe_db_instances(DBInstanceIdentifier=writers[0])["DBInstances"][0]
        subnets = self._rds.describe_db_subnet_groups(DBSubnetGroupName=cluster["DBSubnetGroup"])
        vpc_id = subnets["DBSubnetGroups"][0]["VpcId"]
        return _source(
            identifier, cluster, writer["DBInstanceClass"], cluster["DBSubnetGroup"], vpc_id
        )

    def latest_snapshot(self, source: Source) -> RecoveryPoint:
        found = self._rds.describe_db_cluster_snapshots(DBClusterIdentifier=source.identifier)
        named = [(s["DBClusterSnapshotIdentifier"], s) for s in found["DBClusterSnapshots"]]
        return _newest(named, source.identifier)

    def _complete(self, source: Source, copy: Copy, tags: list[TagTypeDef]) -> None:
        self.add_writer(copy, source.engine, source.instance_class, tags)

    def _shape_settings(self, source: Source) -> dict[str, Any]:
        return {"KmsKeyId": source.kms_key_id} if source.kms_key_id else {}

    def _from_snapshot(
        self, source: Source, snapshot: str, identifier: str, settings: dict[str, Any]
    ) -> None:
        self._rds.restore_db_cluster_from_snapshot(
            DBClusterIdentifier=identifier,
            SnapshotIdentifier=snapshot,
            Engine=source.engine,
            EngineVersion=source.engine_version,
            **settings,
        )

    def _to_point_in_time(
        self, source: Source, time: datetime, identifier: str, settings: dict[str, Any]
    ) -> None:
        self._rds.restore_db_cluster_to_point_in_time(
            DBClusterIdentifier=identifier,
            SourceDBClusterIdentifier=source.identifier,
            RestoreToTime=time,
            **settings,
        )


class InstanceRestorer(Restorer, InstanceCopies):
    """An RDS instance: one restored Single-AZ instance of the source's class."""

    def describe_source(self, identifier: str) -> Source:
        found = self._rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
        subnets = found["DBSubnetGroup"]
        return _source(
            identifier,
            found,
            found["DBInstanceClass"],
            subnets["DBSubnetGroupName"],
            subnets["VpcId"],
        )

    def latest_snapshot(self, source: Source) -> RecoveryPoint:
        found = self._rds.describe_db_snapshots(DBInstanceIdentifier=source.identifier)
        named = [(s["DBSnapshotIdentifier"], s) for s in found["DBSnapshots"]]
        return _newest(named, source.identifier)

    def _shape_settings(self, source: Source) -> dict[str, Any]:
        # The copy keeps the source's encryption key: an encrypted snapshot or log restores
        # encrypted under the same CMK.
        return {
            "DBInstanceClass": source.instance_class,
            "MultiAZ": False,
            "PubliclyAccessible": False,
        }

    def _from_snapshot(
        self, source: Source, snapshot: str, identifier: str, settings: dict[str, Any]
    ) -> None:
        self._rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=identifier, DBSnapshotIdentifier=snapshot, **settings
        )

    def _to_point_in_time(
        self, source: Source, time: datetime, identifier: str, settings: dict[str, Any]
    ) -> None:
        self._rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=source.identifier,
            TargetDBInstanceIdentifier=identifier,
            RestoreTime=time,
            **settings,
        )


def restorer_for(flavor: str, rds: RDSClient) -> Restorer:
    return AuroraRestorer(rds) if flavor == "aurora" else InstanceRestorer(rds)
