"""The RDS control plane of a temporary copy: wait for it, log in to it, delete it.

A copy is an Aurora cluster (with its writer instance) or an RDS instance, restored by a drill
or by AWS Backup's restore test. Every call here names a part of the copy, never the source.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypedDict

from botocore.exceptions import ClientError

from pgplat.validator.drill_names import instance_id

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_rds.type_defs import DBClusterTypeDef, DBInstanceTypeDef, TagTypeDef

PartKind = Literal["cluster", "instance"]

_NOT_FOUND = ("DBClusterNotFoundFault", "DBInstanceNotFound", "DBInstanceNotFoundFault")
_ALREADY_EXISTS = ("DBClusterAlreadyExistsFault", "DBInstanceAlreadyExists")


@dataclass(frozen=True)
class CopyEndpoint:
    """Where a copy accepts connections."""

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


class CopyControl(ABC):
    """One database shape's operations on a copy; status and deletion of parts are shared."""

    shape: str
    kind: PartKind
    """The kind of the copy's first part, named after the copy."""

    def __init__(self, rds: RDSClient) -> None:
        self._rds = rds

    @abstractmethod
    def set_master_password(self, copy: Copy, password: str) -> None: ...

    @abstractmethod
    def endpoint(self, copy: Copy) -> CopyEndpoint: ...

    @abstractmethod
    def master_username(self, copy: Copy) -> str: ...

    def auth_token(self, endpoint: CopyEndpoint, user: str) -> str:
        """An IAM authentication token for ``user`` on the copy, valid 15 minutes."""
        return self._rds.generate_db_auth_token(
            DBHostname=endpoint.host, Port=endpoint.port, DBUsername=user
        )

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
            if error_code(exc) in _NOT_FOUND:
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
def creating(copy: Copy, part: Part) -> Iterator[None]:
    """Record ``part`` before asking for it: a create call can fail after the resource exists.

    Only "already exists" means the name belongs to someone else, and then it is not ours
    to delete.
    """
    copy.parts.append(part)
    try:
        yield
    except ClientError as exc:
        if error_code(exc) in _ALREADY_EXISTS:
            copy.parts.remove(part)
        raise


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


class AuroraCopies(CopyControl):
    """Aurora: a restored cluster, usable once it has a writer instance."""

    shape = "aurora"
    kind: PartKind = "cluster"

    def add_writer(
        self, copy: Copy, engine: str, instance_class: str, tags: list[TagTypeDef]
    ) -> None:
        """A restored Aurora cluster has no instance to connect to until one is added."""
        writer = instance_id(copy.identifier)
        with creating(copy, Part("instance", writer)):
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
        found = self._cluster(copy)
        instances = [m["DBInstanceIdentifier"] for m in found.get("DBClusterMembers", [])]
        return found["Engine"], instances

    def set_master_password(self, copy: Copy, password: str) -> None:
        self._rds.modify_db_cluster(
            DBClusterIdentifier=copy.identifier, MasterUserPassword=password, ApplyImmediately=True
        )

    def endpoint(self, copy: Copy) -> CopyEndpoint:
        cluster = self._cluster(copy)
        return CopyEndpoint(cluster["Endpoint"], cluster["Port"])

    def master_username(self, copy: Copy) -> str:
        return self._cluster(copy)["MasterUsername"]

    def _cluster(self, copy: Copy) -> DBClusterTypeDef:
        return self._rds.describe_db_clusters(DBClusterIdentifier=copy.identifier)["DBClusters"][0]


class InstanceCopies(CopyControl):
    """RDS: one restored Single-AZ instance."""

    shape = "rds"
    kind: PartKind = "instance"

    def set_master_password(self, copy: Copy, password: str) -> None:
        self._rds.modify_db_instance(
            DBInstanceIdentifier=copy.identifier, MasterUserPassword=password, ApplyImmediately=True
        )

    def endpoint(self, copy: Copy) -> CopyEndpoint:
        address = self._instance(copy)["Endpoint"]
        return CopyEndpoint(address["Address"], address["Port"])

    def master_username(self, copy: Copy) -> str:
        return self._instance(copy)["MasterUsername"]

    def _instance(self, copy: Copy) -> DBInstanceTypeDef:
        found = self._rds.describe_db_instances(DBInstanceIdentifier=copy.identifier)
        return found["DBInstances"][0]


def restored(rds: RDSClient, arn: str) -> tuple[CopyControl, Copy]:
    """The control and the copy for a resource AWS Backup restored (``...:cluster:x``)."""
    kind, name = arn.split(":")[-2:]
    if kind == "cluster":
        return AuroraCopies(rds), Copy(name, [Part("cluster", name)])
    return InstanceCopies(rds), Copy(name, [Part("instance", name)])
