"""The RDS control plane of a drill: read the source, restore a temporary copy, delete it.

Two shapes share one interface: an Aurora cluster (restored cluster plus one writer instance)
and an RDS instance. The source is only ever *described*; every call that creates, modifies or
deletes names a part of the copy, which the drill made and tagged itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from botocore.exceptions import ClientError

from pgplat.drills.restore.naming import instance_id
from pgplat.errors import UserError

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_rds.type_defs import TagTypeDef

RestoreFrom = Literal["latest-snapshot", "pitr"]
PartKind = Literal["cluster", "instance"]

_NOT_FOUND = ("DBClusterNotFoundFault", "DBInstanceNotFound", "DBInstanceNotFoundFault")
_ALREADY_EXISTS = ("DBClusterAlreadyExistsFault", "DBInstanceAlreadyExists")


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


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


@dataclass(frozen=True)
class Part:
    kind: PartKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class _Described(TypedDict):
    status: str
    protected: bool


@dataclass
class Copy:
    """The temporary copy; ``parts`` lists what was created, oldest first, for teardown."""

    identifier: str
    parts: list[Part] = field(default_factory=list)


class Restorer(ABC):
    """One database shape's restore operations; status and deletion of parts are shared."""

    shape: str

    def __init__(self, rds: RDSClient) -> None:
        self._rds = rds

    @abstractmethod
    def describe_source(self, identifier: str) -> Source: ...

    @abstractmethod
    def latest_snapshot(self, source: Source) -> RecoveryPoint: ...

    @abstractmethod
    def start(
        self,
        source: Source,
        point: RecoveryPoint,
        copy: Copy,
        security_group: str,
        tags: list[TagTypeDef],
    ) -> None:
        """Request the restore; each part is recorded on ``copy`` as soon as it exists."""

    @abstractmethod
    def set_master_password(self, copy: Copy, password: str) -> None: ...

    @abstractmethod
    def endpoint(self, copy: Copy) -> Endpoint: ...

    def auth_token(self, endpoint: Endpoint, user: str) -> str:
        """An IAM authentication token for ``user`` on the copy, valid 15 minutes."""
        return self._rds.generate_db_auth_token(
            DBHostname=endpoint.host, Port=endpoint.port, DBUsername=user
        )

    def _vpc_of(self, subnet_group: str) -> str:
        found = self._rds.describe_db_subnet_groups(DBSubnetGroupName=subnet_group)
        return found["DBSubnetGroups"][0]["VpcId"]

    def status(self, copy: Copy) -> str:
        """'available' when every part is, else the status of the first part that is not."""
        for part in copy.parts:
            found = self._describe(part)
            status = found["status"] if found else "missing"
            if status != "available":
                return status
        return "available"

    def delete_next(self, copy: Copy) -> bool:
        """Start deleting the newest part still present; False once every part is gone."""
        while copy.parts:
            part = copy.parts[-1]
            found = self._describe(part)
            if found is not None and found["status"] != "deleting":
                self._delete(part, protected=found["protected"])
                found = self._describe(part)
            if found is not None:
                return True
            copy.parts.pop()
        return False

    def _describe(self, part: Part) -> _Described | None:
        try:
            if part.kind == "cluster":
                cluster = self._rds.describe_db_clusters(DBClusterIdentifier=part.name)
                c = cluster["DBClusters"][0]
                return {"status": c["Status"], "protected": c.get("DeletionProtection", False)}
            instance = self._rds.describe_db_instances(DBInstanceIdentifier=part.name)
            i = instance["DBInstances"][0]
            return {
                "status": i["DBInstanceStatus"],
                "protected": i.get("DeletionProtection", False),
            }
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return None
            raise

    def _delete(self, part: Part, *, protected: bool) -> None:
        # A copy is restored unprotected; should a restore carry protection over anyway, it
        # is lifted on the copy (never on anything untagged) so the copy can go.
        if part.kind == "cluster":
            if protected:
                self._rds.modify_db_cluster(
                    DBClusterIdentifier=part.name, DeletionProtection=False, ApplyImmediately=True
                )
            self._rds.delete_db_cluster(DBClusterIdentifier=part.name, SkipFinalSnapshot=True)
        else:
            if protected:
                self._rds.modify_db_instance(
                    DBInstanceIdentifier=part.name, DeletionProtection=False, ApplyImmediately=True
                )
            self._rds.delete_db_instance(
                DBInstanceIdentifier=part.name, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
            )


@contextmanager
def _creating(copy: Copy, part: Part) -> Iterator[None]:
    """Record ``part`` before asking for it: a create call can fail after the resource exists.

    Only "already exists" means the name belongs to someone else, and then it is not ours
    to delete.
    """
    copy.parts.append(part)
    try:
        yield
    except ClientError as exc:
        if _code(exc) in _ALREADY_EXISTS:
            copy.parts.remove(part)
        raise


def _code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def _newest(snapshots: list[tuple[str, datetime]], source: str) -> RecoveryPoint:
    if not snapshots:
        raise UserError(f"no available snapshot of {source}; take one or drill with --from pitr")
    name, taken = max(snapshots, key=lambda item: item[1])
    return RecoveryPoint("latest-snapshot", taken, name)


class AuroraRestorer(Restorer):
    """An Aurora cluster: restore the cluster, then add one writer of the source's class."""

    shape = "aurora"

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
        return Source(
            identifier=identifier,
            engine=cluster["Engine"],
            engine_version=cluster["EngineVersion"],
            instance_class=writer["DBInstanceClass"],
            subnet_group=cluster["DBSubnetGroup"],
            vpc_id=self._vpc_of(cluster["DBSubnetGroup"]),
            kms_key_id=cluster.get("KmsKeyId"),
            master_username=cluster["MasterUsername"],
            iam_auth=cluster.get("IAMDatabaseAuthenticationEnabled", False),
            latest_restorable=cluster.get("LatestRestorableTime"),
        )

    def latest_snapshot(self, source: Source) -> RecoveryPoint:
        found = self._rds.describe_db_cluster_snapshots(DBClusterIdentifier=source.identifier)
        return _newest(
            [
                (s["DBClusterSnapshotIdentifier"], s["SnapshotCreateTime"])
                for s in found["DBClusterSnapshots"]
                if s.get("Status") == "available" and "SnapshotCreateTime" in s
            ],
            source.identifier,
        )

    def start(
        self,
        source: Source,
        point: RecoveryPoint,
        copy: Copy,
        security_group: str,
        tags: list[TagTypeDef],
    ) -> None:
        settings: dict[str, Any] = {
            "DBClusterIdentifier": copy.identifier,
            "DBSubnetGroupName": source.subnet_group,
            "VpcSecurityGroupIds": [security_group],
            "EnableIAMDatabaseAuthentication": source.iam_auth,
            "DeletionProtection": False,
            "CopyTagsToSnapshot": False,
            "Tags": tags,
        }
        if source.kms_key_id:
            settings["KmsKeyId"] = source.kms_key_id
        with _creating(copy, Part("cluster", copy.identifier)):
            if point.snapshot is not None:
                self._rds.restore_db_cluster_from_snapshot(
                    SnapshotIdentifier=point.snapshot,
                    Engine=source.engine,
                    EngineVersion=source.engine_version,
                    **settings,
                )
            else:
                self._rds.restore_db_cluster_to_point_in_time(
                    SourceDBClusterIdentifier=source.identifier,
                    RestoreToTime=point.time,
                    **settings,
                )
        self.add_writer(copy, source.engine, source.instance_class, tags)

    def add_writer(
        self, copy: Copy, engine: str, instance_class: str, tags: list[TagTypeDef]
    ) -> None:
        """A restored Aurora cluster has no instance to connect to until one is added."""
        writer = instance_id(copy.identifier)
        with _creating(copy, Part("instance", writer)):
            self._rds.create_db_instance(
                DBInstanceIdentifier=writer,
                DBClusterIdentifier=copy.identifier,
                Engine=engine,
                DBInstanceClass=instance_class,
                PubliclyAccessible=False,
                Tags=tags,
            )

    def members(self, copy: Copy) -> tuple[str, list[str]]:
        """The engine and the instance identifiers of a restored cluster."""
        cluster = self._rds.describe_db_clusters(DBClusterIdentifier=copy.identifier)
        found = cluster["DBClusters"][0]
        instances = [m["DBInstanceIdentifier"] for m in found.get("DBClusterMembers", [])]
        return found["Engine"], instances

    def set_master_password(self, copy: Copy, password: str) -> None:
        self._rds.modify_db_cluster(
            DBClusterIdentifier=copy.identifier, MasterUserPassword=password, ApplyImmediately=True
        )

    def endpoint(self, copy: Copy) -> Endpoint:
        cluster = self._rds.describe_db_clusters(DBClusterIdentifier=copy.identifier)["DBClusters"]
        return Endpoint(cluster[0]["Endpoint"], cluster[0]["Port"])


class InstanceRestorer(Restorer):
    """An RDS instance: one restored Single-AZ instance of the source's class."""

    shape = "rds"

    def describe_source(self, identifier: str) -> Source:
        found = self._rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
        subnets = found["DBSubnetGroup"]
        return Source(
            identifier=identifier,
            engine=found["Engine"],
            engine_version=found["EngineVersion"],
            instance_class=found["DBInstanceClass"],
            subnet_group=subnets["DBSubnetGroupName"],
            vpc_id=subnets["VpcId"],
            kms_key_id=found.get("KmsKeyId"),
            master_username=found["MasterUsername"],
            iam_auth=found.get("IAMDatabaseAuthenticationEnabled", False),
            latest_restorable=found.get("LatestRestorableTime"),
        )

    def latest_snapshot(self, source: Source) -> RecoveryPoint:
        found = self._rds.describe_db_snapshots(DBInstanceIdentifier=source.identifier)
        return _newest(
            [
                (s["DBSnapshotIdentifier"], s["SnapshotCreateTime"])
                for s in found["DBSnapshots"]
                if s.get("Status") == "available" and "SnapshotCreateTime" in s
            ],
            source.identifier,
        )

    def start(
        self,
        source: Source,
        point: RecoveryPoint,
        copy: Copy,
        security_group: str,
        tags: list[TagTypeDef],
    ) -> None:
        # The copy keeps the source's encryption key: an encrypted snapshot or log restores
        # encrypted under the same CMK.
        settings: dict[str, Any] = {
            "DBInstanceClass": source.instance_class,
            "DBSubnetGroupName": source.subnet_group,
            "VpcSecurityGroupIds": [security_group],
            "MultiAZ": False,
            "PubliclyAccessible": False,
            "EnableIAMDatabaseAuthentication": source.iam_auth,
            "DeletionProtection": False,
            "CopyTagsToSnapshot": False,
            "Tags": tags,
        }
        with _creating(copy, Part("instance", copy.identifier)):
            if point.snapshot is not None:
                self._rds.restore_db_instance_from_db_snapshot(
                    DBInstanceIdentifier=copy.identifier,
                    DBSnapshotIdentifier=point.snapshot,
                    **settings,
                )
            else:
                self._rds.restore_db_instance_to_point_in_time(
                    SourceDBInstanceIdentifier=source.identifier,
                    TargetDBInstanceIdentifier=copy.identifier,
                    RestoreTime=point.time,
                    **settings,
                )

    def set_master_password(self, copy: Copy, password: str) -> None:
        self._rds.modify_db_instance(
            DBInstanceIdentifier=copy.identifier, MasterUserPassword=password, ApplyImmediately=True
        )

    def endpoint(self, copy: Copy) -> Endpoint:
        found = self._rds.describe_db_instances(DBInstanceIdentifier=copy.identifier)
        address = found["DBInstances"][0]["Endpoint"]
        return Endpoint(address["Address"], address["Port"])


def restorer_for(flavor: str, rds: RDSClient) -> Restorer:
    return AuroraRestorer(rds) if flavor == "aurora" else InstanceRestorer(rds)
