"""The AWS side of `pgplat upgrade run`: an RDS Blue/Green deployment, driven with boto3.

CloudFormation cannot create one, so pgplat does, step by step, each step refusing or
waiting with a bound: check the database is quiet and the target's parameter group exists;
take the master password out of RDS management (Blue/Green refuses managed ones) into a
secret of pgplat's own; create the deployment; wait for green; switch over; hand the master
password back to RDS; delete the deployment, keeping the old blue for the rollback period.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from pgplat.aws.errors import aws_error_code
from pgplat.config.calendar import Flavor
from pgplat.errors import UserError
from pgplat.validator.connect import fresh_password

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

UPGRADE_TAG = "pgplat:upgrade"
"""On the database while an upgrade runs; its value names the upgrade and its start."""
DELETE_AFTER_TAG = "pgplat:delete-after"
"""On the old blue after a switchover: when `pgplat upgrade cleanup` may delete it."""
POLL_SECONDS = 15.0


@dataclass(frozen=True)
class Green:
    """The green environment, ready to be validated."""

    arn: str
    endpoint: str
    port: int
    master_username: str
    """As green was deployed: the configuration may name another (changing it replaces)."""


@dataclass
class BlueGreen:
    """One Blue/Green major upgrade of ``identifier`` (an Aurora cluster or an RDS instance;
    ``multi_az_cluster`` for an RDS Multi-AZ DB cluster)."""

    rds: RDSClient
    secrets: SecretsManagerClient
    flavor: Flavor
    identifier: str
    target_version: str
    parameter_group: str
    """The target major's (cluster) parameter group, from pgplat's own synthesis."""
    _: KW_ONLY
    multi_az_cluster: bool = False
    kms_key_id: str | None = None
    """The key of the temporary master secret (the environment's CMK)."""
    master_secret_name: str = ""
    poll: float = POLL_SECONDS
    sleep: Callable[[float], None] = time.sleep
    source_arn: str = field(default="", init=False)
    deployment: str = field(default="", init=False)
    old_blue: str = field(default="", init=False)
    """The old blue's ARN once the deployment is finished."""
    _released: bool = field(default=False, init=False)

    @property
    def is_cluster(self) -> bool:
        return self.flavor == "aurora" or self.multi_az_cluster

    @property
    def target(self) -> str:
        kind = "Aurora cluster" if self.flavor == "aurora" else "RDS database"
        return f"{kind} {self.identifier}"

    # -- before anything changes ---------------------------------------------------------

    def check(self) -> None:
        """Refuse, before any change, an upgrade that cannot or should not start now."""
        try:
            source = self._describe(self.identifier)
            self._require_parameter_group()
            pending = self._pending_maintenance()
        except (ClientError, BotoCoreError) as exc:
            raise UserError(
                f"cannot read {self.target} ({aws_error_code(exc)}); sign in to the data "
                "account with a principal allowed to describe and upgrade it"
            ) from None
        tags = _tags(source)
        if UPGRADE_TAG in tags:
            raise UserError(
                f"{self.target} carries {UPGRADE_TAG}={tags[UPGRADE_TAG]}: an upgrade is in "
                "progress (if it was killed, see `aws rds describe-blue-green-deployments`)"
            )
        status = _status(source)
        if status != "available":
            raise UserError(f"{self.target} is {status}, not available; upgrade once it is")
        if pending:
            raise UserError(
                f"{self.target} has pending maintenance ({', '.join(sorted(pending))}); "
                "apply or wait for it first"
            )
        self.source_arn = source.get("DBClusterArn") or source["DBInstanceArn"]

    def _require_parameter_group(self) -> None:
        try:
            if self.is_cluster:
                self.rds.describe_db_cluster_parameter_groups(
                    DBClusterParameterGroupName=self.parameter_group
                )
            else:
                self.rds.describe_db_parameter_groups(DBParameterGroupName=self.parameter_group)
        except ClientError as exc:
            if "NotFound" not in aws_error_code(exc):
                raise
            raise UserError(
                f"the target's parameter group {self.parameter_group} does not exist; set "
                "upgrade_to on the environment and run `pgplat deploy` first"
            ) from None

    def lock(self, upgrade_id: str, now: datetime) -> None:
        value = f"{upgrade_id} {now.astimezone(UTC).isoformat(timespec='seconds')}"
        self.rds.add_tags_to_resource(
            ResourceName=self.source_arn, Tags=[{"Key": UPGRADE_TAG, "Value": value}]
        )

    def unlock(self) -> None:
        """Remove the upgrade tag from the database (green, after a switchover, carries blue's
        tags) and from the old blue."""
        current = self._describe(self.identifier)
        arns = {current.get("DBClusterArn") or current["DBInstanceArn"], self.old_blue}
        for arn in sorted(a for a in arns if a):
            self.rds.remove_tags_from_resource(ResourceName=arn, TagKeys=[UPGRADE_TAG])

    # -- the master password ---------------------------------------------------------------

    def release_master_password(self) -> str:
        """Move the master password out of RDS management into pgplat's temporary secret;
        the password, for the validation's login. A source without a managed one keeps its."""
        source = self._describe(self.identifier)
        if "MasterUserSecret" not in source:
            raise UserError(
                f"{self.target} has no RDS-managed master password, which pgplat deploys; "
                "the validation cannot log in to green without one"
            )
        password = fresh_password()
        created: dict[str, Any] = {"Name": self.master_secret_name, "SecretString": password}
        if self.kms_key_id:
            created["KmsKeyId"] = self.kms_key_id
        self.secrets.create_secret(**created)
        self._modify(self.identifier, ManageMasterUserPassword=False, MasterUserPassword=password)
        self._released = True
        self._wait_available(self.identifier, "the master password change")
        return password

    def return_master_password(self) -> None:
        """Hand the master password back to RDS management and delete pgplat's secret."""
        if not self._released:
            return
        extra = {"MasterUserSecretKmsKeyId": self.kms_key_id} if self.kms_key_id else {}
        self._modify(self.identifier, ManageMasterUserPassword=True, **extra)
        self.secrets.delete_secret(
            SecretId=self.master_secret_name, ForceDeleteWithoutRecovery=True
        )
        self._released = False

    # -- the deployment ----------------------------------------------------------------------

    def create(self, name: str, tags: Mapping[str, str], timeout: float) -> Green:
        """Create the deployment and wait until green is available."""
        group = (
            {"TargetDBClusterParameterGroupName": self.parameter_group}
            if self.is_cluster
            else {"TargetDBParameterGroupName": self.parameter_group}
        )
        created = self.rds.create_blue_green_deployment(
            BlueGreenDeploymentName=name,
            Source=self.source_arn,
            TargetEngineVersion=self.target_version,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            **group,  # type: ignore[arg-type]
        )
        self.deployment = created["BlueGreenDeployment"]["BlueGreenDeploymentIdentifier"]
        found = self._wait_status({"AVAILABLE"}, timeout, "green to be available")
        green_arn = found["Target"]
        described = self._describe(green_arn.rsplit(":", 1)[-1])
        host, port = _endpoint(described)
        return Green(green_arn, host, port, described["MasterUsername"])

    def switch_over(self, timeout_seconds: int) -> None:
        """Switch over (AWS refuses and rolls back past ``timeout_seconds``) and wait for it."""
        self.rds.switchover_blue_green_deployment(
            BlueGreenDeploymentIdentifier=self.deployment, SwitchoverTimeout=timeout_seconds
        )
        self._wait_status({"SWITCHOVER_COMPLETED"}, timeout_seconds * 2, "the switchover")

    def abandon(self) -> None:
        """Delete the deployment and green (before a switchover: production never moved)."""
        if self.deployment:
            self.rds.delete_blue_green_deployment(
                BlueGreenDeploymentIdentifier=self.deployment, DeleteTarget=True
            )
            self.deployment = ""

    def finish(self, keep_blue: timedelta, now: datetime) -> str:
        """Delete the deployment, keep the old blue and tag when it may go; its ARN."""
        self.old_blue = str(self._deployment()["Source"])
        self.rds.delete_blue_green_deployment(BlueGreenDeploymentIdentifier=self.deployment)
        self.deployment = ""
        until = (now + keep_blue).astimezone(UTC).isoformat(timespec="seconds")
        self.rds.add_tags_to_resource(
            ResourceName=self.old_blue, Tags=[{"Key": DELETE_AFTER_TAG, "Value": until}]
        )
        return self.old_blue

    # -- helpers -----------------------------------------------------------------------------

    def _deployment(self) -> Any:
        return self.rds.describe_blue_green_deployments(
            BlueGreenDeploymentIdentifier=self.deployment
        )["BlueGreenDeployments"][0]

    def _wait_status(self, wanted: set[str], timeout: float, what: str) -> Any:
        give_up = time.monotonic() + timeout
        while True:
            found = self._deployment()
            status = found["Status"]
            if status in wanted:
                return found
            if status in ("INVALID_CONFIGURATION", "SWITCHOVER_FAILED", "PROVISIONING_FAILED"):
                raise UserError(
                    f"the Blue/Green deployment {self.deployment} is {status}: "
                    f"{found.get('StatusDetails', 'see its events in the RDS console')}"
                )
            if time.monotonic() > give_up:
                raise UserError(f"waited {timeout:.0f} s for {what}; it is {status}")
            self.sleep(self.poll)

    def _describe(self, identifier: str) -> Any:
        if self.is_cluster:
            return self.rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
        return self.rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]

    def _modify(self, identifier: str, **changes: Any) -> None:
        if self.is_cluster:
            self.rds.modify_db_cluster(
                DBClusterIdentifier=identifier, ApplyImmediately=True, **changes
            )
        else:
            self.rds.modify_db_instance(
                DBInstanceIdentifier=identifier, ApplyImmediately=True, **changes
            )

    def _wait_available(self, identifier: str, what: str, timeout: float = 1800) -> None:
        give_up = time.monotonic() + timeout
        while (status := _status(self._describe(identifier))) != "available":
            if time.monotonic() > give_up:
                raise UserError(f"{self.target} is {status} {timeout:.0f} s after {what}")
            self.sleep(self.poll)

    def _pending_maintenance(self) -> set[str]:
        kind = "db-cluster-id" if self.is_cluster else "db-instance-id"
        found = self.rds.describe_pending_maintenance_actions(
            Filters=[{"Name": kind, "Values": [self.identifier]}]
        )
        return {
            detail.get("Action", "maintenance")
            for resource in found["PendingMaintenanceActions"]
            for detail in resource.get("PendingMaintenanceActionDetails", [])
        }


def _status(described: Any) -> str:
    return str(described.get("Status") or described.get("DBInstanceStatus"))


def _endpoint(described: Any) -> tuple[str, int]:
    """A cluster's writer endpoint, or an instance's endpoint: host and port."""
    endpoint = described["Endpoint"]
    if isinstance(endpoint, str):
        return endpoint, int(described["Port"])
    return endpoint["Address"], int(endpoint["Port"])


def _tags(described: Any) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in described.get("TagList", []) if "Key" in t}
