"""The AWS failover: ``FailoverDBCluster`` for Aurora, ``RebootDBInstance`` with
``ForceFailover`` for RDS Multi-AZ — only when nothing else is going on.

`AwsFailover.check` refuses (one-line `UserError`) when the database is not ``available``,
has pending maintenance, cannot fail over (one Aurora instance, RDS without Multi-AZ), or
carries the failover-drill tag of a drill in progress. The tag is the lock: set before the
failover, removed afterwards, whatever happened in between.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from pgplat.aws.errors import aws_error_code
from pgplat.config.calendar import Flavor
from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_rds.type_defs import FilterTypeDef, TagTypeDef

FAILOVER_TAG = "pgplat:failover-drill"
"""On the database while a failover drill runs; its value names the drill and its start."""
SETTLE_POLL = 5.0


def check_environment(config: PgplatConfig, env: str, *, yes_prod: bool) -> Flavor:
    """The flavor of ``env``'s database; refuses unknown environments and prod without
    ``yes_prod``."""
    environments = config.environments.cloud()
    if env not in environments:
        raise UserError(
            f"environment {env!r} is not configured; choose local or one of "
            f"{', '.join(environments)}"
        )
    if env == "prod" and not yes_prod:
        raise UserError(
            "a failover drill interrupts production writes for seconds; "
            "run it in a quiet hour and pass --yes-prod"
        )
    return environments[env].flavor


@dataclass(frozen=True)
class Database:
    """What the drill fails over: an Aurora cluster or an RDS instance."""

    flavor: Flavor
    identifier: str
    arn: str
    writer: str
    """The writer instance before the failover."""
    readers: tuple[str, ...]


@dataclass
class AwsFailover:
    """Fails ``identifier`` over once `check` found it safe to."""

    rds: RDSClient
    flavor: Flavor
    identifier: str
    _: KW_ONLY
    target_reader: str | None = None
    """Aurora: the reader to promote (default: the one RDS chooses)."""
    settle_timeout: float = 600.0
    """Seconds to wait for the database to be available again."""
    _database: Database | None = field(default=None, init=False, repr=False)

    @property
    def target(self) -> str:
        """What is failed over, as reports and messages name it."""
        kind = "Aurora cluster" if self.flavor == "aurora" else "RDS instance"
        return f"{kind} {self.identifier}"

    def check(self) -> Database:
        """Describe the database and refuse a failover that is unsafe or impossible now."""
        try:
            database, tags = self._describe()
            pending = self._pending_maintenance(database)
        except (ClientError, BotoCoreError) as exc:
            raise UserError(
                f"cannot read {self.target} ({aws_error_code(exc)}); sign in to the data "
                "account with a principal allowed to describe and fail over the database"
            ) from None
        if FAILOVER_TAG in tags:
            raise UserError(
                f"{self.target} carries {FAILOVER_TAG}={tags[FAILOVER_TAG]}: a failover drill "
                "is in progress (if it was killed, remove that tag)"
            )
        if pending:
            raise UserError(
                f"{self.target} has pending maintenance ({', '.join(sorted(pending))}); "
                "apply or wait for it, then drill"
            )
        if self.target_reader is not None and self.target_reader not in database.readers:
            raise UserError(
                f"--target {self.target_reader} is not a reader of {self.target}; "
                f"readers: {', '.join(database.readers) or 'none'}"
            )
        self._database = database
        return database

    def lock(self, drill_id: str, now: datetime) -> None:
        """Tag the database as under drill (call after `check`)."""
        value = f"{drill_id} {now.astimezone(UTC).isoformat(timespec='seconds')}"
        tags: list[TagTypeDef] = [{"Key": FAILOVER_TAG, "Value": value}]
        try:
            self.rds.add_tags_to_resource(ResourceName=self._checked().arn, Tags=tags)
        except (ClientError, BotoCoreError) as exc:
            raise UserError(
                f"cannot tag {self.target} with {FAILOVER_TAG} ({aws_error_code(exc)}); "
                "the drill needs rds:AddTagsToResource and rds:RemoveTagsFromResource on it"
            ) from None

    def fail_over(self) -> str:
        """Ask AWS to fail over, wait until the database is available again; the new writer."""
        database = self._checked()
        if self.flavor == "aurora":
            if self.target_reader is None:
                self.rds.failover_db_cluster(DBClusterIdentifier=database.identifier)
            else:
                self.rds.failover_db_cluster(
                    DBClusterIdentifier=database.identifier,
                    TargetDBInstanceIdentifier=self.target_reader,
                )
        else:
            self.rds.reboot_db_instance(
                DBInstanceIdentifier=database.identifier, ForceFailover=True
            )
        return self._settled(database.writer)

    def finish(self) -> None:
        """Remove the drill tag."""
        if self._database is not None:
            self.rds.remove_tags_from_resource(
                ResourceName=self._database.arn, TagKeys=[FAILOVER_TAG]
            )

    def _checked(self) -> Database:
        if self._database is None:
            raise RuntimeError("check() first")
        return self._database

    def _describe(self) -> tuple[Database, Mapping[str, str]]:
        if self.flavor == "aurora":
            cluster = self.rds.describe_db_clusters(DBClusterIdentifier=self.identifier)[
                "DBClusters"
            ][0]
            members = cluster.get("DBClusterMembers", [])
            writers = [m["DBInstanceIdentifier"] for m in members if m["IsClusterWriter"]]
            readers = tuple(m["DBInstanceIdentifier"] for m in members if not m["IsClusterWriter"])
            statuses = {self.target: cluster["Status"]}
            for member in members:
                instance = self.rds.describe_db_instances(
                    DBInstanceIdentifier=member["DBInstanceIdentifier"]
                )["DBInstances"][0]
                statuses[f"instance {member['DBInstanceIdentifier']}"] = instance[
                    "DBInstanceStatus"
                ]
            if not writers:
                raise UserError(f"{self.target} has no writer right now; drill once it has")
            if not readers:
                raise UserError(
                    f"{self.target} has no reader to fail over to; add one (environments.*.readers)"
                )
            database = Database(
                "aurora", self.identifier, cluster["DBClusterArn"], writers[0], readers
            )
            tag_list = cluster.get("TagList", [])
        else:
            instance = self.rds.describe_db_instances(DBInstanceIdentifier=self.identifier)[
                "DBInstances"
            ][0]
            if not instance.get("MultiAZ"):
                raise UserError(
                    f"{self.target} is not Multi-AZ: a reboot would not fail over "
                    "(set multi_az: true)"
                )
            statuses = {self.target: instance["DBInstanceStatus"]}
            database = Database(
                "rds", self.identifier, instance["DBInstanceArn"], self.identifier, ()
            )
            tag_list = instance.get("TagList", [])
        busy = {what: status for what, status in statuses.items() if status != "available"}
        if busy:
            what, status = next(iter(busy.items()))
            raise UserError(
                f"{what} is {status}, not available; drill when nothing else is going on"
            )
        return database, {t["Key"]: t["Value"] for t in tag_list if "Key" in t and "Value" in t}

    def _pending_maintenance(self, database: Database) -> set[str]:
        filters: list[FilterTypeDef] = [
            {"Name": "db-instance-id", "Values": [database.writer, *database.readers]}
        ]
        if database.flavor == "aurora":
            filters = [{"Name": "db-cluster-id", "Values": [database.identifier]}, *filters]
        actions: set[str] = set()
        for one in filters:
            found = self.rds.describe_pending_maintenance_actions(Filters=[one])
            for resource in found["PendingMaintenanceActions"]:
                for detail in resource.get("PendingMaintenanceActionDetails", []):
                    actions.add(detail.get("Action", "maintenance"))
        return actions

    def _settled(self, before: str) -> str:
        """Poll until the database is available again (Aurora: with a writer other than
        ``before``); the writer then."""
        give_up = time.monotonic() + self.settle_timeout
        while True:
            try:
                writer = self._describe()[0].writer
            except UserError:
                writer = before  # failing over or rebooting: not settled yet
            if self.flavor == "rds" or writer != before:
                return writer
            if time.monotonic() > give_up:
                raise UserError(
                    f"{self.target} still has writer {before} after "
                    f"{self.settle_timeout:.0f} s; see its events in the RDS console"
                )
            time.sleep(SETTLE_POLL)
