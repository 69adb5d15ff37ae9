"""The Lambda behind the scheduled restore test: validate each copy AWS Backup restores.

EventBridge invokes it for two events:

* an AWS Backup "Restore Job State Change" to ``COMPLETED`` of our restore-testing plan: the
  handler logs in to the restored copy, runs the configured validation suite (the same engine
  as ``pgplat drill``), reports the verdict with ``PutRestoreValidationResult`` and publishes
  the drill metrics. AWS Backup deletes the copy itself after the validation window.
* a daily schedule: it publishes the age of the last successful drill, which the
  "no recent successful drill" alarm watches.

It runs from this package's own code (the Lambda asset is the pgplat package); the
configuration reaches it through environment variables set by the data stack.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from pgplat.config.model import PgplatConfig, ValidationSuite
from pgplat.drills.restore.clock import Clock, SystemClock
from pgplat.drills.restore.connect import Connector, Login, connect, fresh_password
from pgplat.drills.restore.metrics import DrillOutcome, publish, publish_days_since_success
from pgplat.drills.restore.naming import drill_tags, source_identifier
from pgplat.drills.restore.restore import AuroraRestorer, Copy, InstanceRestorer, Part, Restorer
from pgplat.drills.restore.runner import CopyAccess, DrillStopped, api_error
from pgplat.drills.restore.validation import run_suite

if TYPE_CHECKING:
    from mypy_boto3_backup import BackupClient
    from mypy_boto3_backup.literals import RestoreValidationStatusType
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_rds import RDSClient

_MESSAGE_LIMIT = 1000
LAYER_CA_BUNDLE = Path("/opt/pgplat/rds-ca-bundle.pem")
"""Where the CA bundle layer (``backup.restore_test.ca_bundle``) lands in the Lambda."""


@dataclass(frozen=True)
class ValidatorSettings:
    """What the data stack tells the Lambda, through its environment."""

    source: str
    database: str
    suite: ValidationSuite
    instance_class: str
    tags: Mapping[str, str]
    ca_file: Path | None = None
    deadline: timedelta = timedelta(minutes=13)

    @classmethod
    def of(cls, config: PgplatConfig, env: str) -> ValidatorSettings:
        settings = config.environments.cloud()[env]
        restore_test = settings.backup.restore_test
        return cls(
            source=source_identifier(config, env),
            database=config.database.name,
            suite=restore_test.validation if restore_test else ValidationSuite(),
            instance_class=settings.instance_class,
            tags=config.tags,
            ca_file=LAYER_CA_BUNDLE if restore_test and restore_test.ca_bundle else None,
        )

    def environment(self) -> dict[str, str]:
        """The Lambda environment that :meth:`from_environment` reads back."""
        variables = {
            "PGPLAT_SOURCE": self.source,
            "PGPLAT_DATABASE": self.database,
            "PGPLAT_SUITE": self.suite.model_dump_json(),
            "PGPLAT_INSTANCE_CLASS": self.instance_class,
            "PGPLAT_TAGS": json.dumps(dict(self.tags), sort_keys=True),
            "PGPLAT_DEADLINE_SECONDS": str(int(self.deadline.total_seconds())),
        }
        if self.ca_file is not None:
            variables["PGPLAT_CA_BUNDLE"] = str(self.ca_file)
        return variables

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> ValidatorSettings:
        ca_file = env.get("PGPLAT_CA_BUNDLE")
        return cls(
            source=env["PGPLAT_SOURCE"],
            database=env["PGPLAT_DATABASE"],
            suite=ValidationSuite.model_validate_json(env["PGPLAT_SUITE"]),
            instance_class=env["PGPLAT_INSTANCE_CLASS"],
            tags=json.loads(env.get("PGPLAT_TAGS", "{}")),
            ca_file=Path(ca_file) if ca_file else None,
            deadline=timedelta(seconds=int(env.get("PGPLAT_DEADLINE_SECONDS", "780"))),
        )


@dataclass(frozen=True)
class ValidatorClients:
    backup: BackupClient
    rds: RDSClient
    cloudwatch: CloudWatchClient


@dataclass(frozen=True)
class Verdict:
    status: RestoreValidationStatusType
    message: str
    outcome: DrillOutcome


def handle(
    event: Mapping[str, Any],
    settings: ValidatorSettings,
    clients: ValidatorClients,
    clock: Clock,
    connector: Connector = connect,
) -> dict[str, Any]:
    if event.get("detail-type") == "Scheduled Event":
        days = publish_days_since_success(clients.cloudwatch, settings.source, clock.now())
        return {"days_since_successful_drill": round(days, 3)}
    detail = event.get("detail", {})
    job_id = detail.get("restoreJobId")
    if event.get("detail-type") != "Restore Job State Change" or not job_id:
        return {"ignored": "not a restore job event"}
    if detail.get("status") != "COMPLETED":
        return {"ignored": f"restore job {job_id} is {detail.get('status')}"}
    clients.backup.put_restore_validation_result(RestoreJobId=job_id, ValidationStatus="VALIDATING")
    verdict = _validate(job_id, settings, clients, clock, connector)
    clients.backup.put_restore_validation_result(
        RestoreJobId=job_id,
        ValidationStatus=verdict.status,
        ValidationStatusMessage=verdict.message[:_MESSAGE_LIMIT],
    )
    publish(clients.cloudwatch, settings.source, clock.now(), verdict.outcome)
    return {"restore_job": job_id, "status": verdict.status, "message": verdict.message}


def _validate(
    job_id: str,
    settings: ValidatorSettings,
    clients: ValidatorClients,
    clock: Clock,
    connector: Connector,
) -> Verdict:
    started = clock.now()
    job = clients.backup.describe_restore_job(RestoreJobId=job_id)
    requested: datetime = job.get("CreationDate", started)
    recovery_point: datetime = job.get("RecoveryPointCreationDate", requested)
    rpo = (requested - recovery_point).total_seconds()
    restorer, restored = _restored(clients.rds, job["CreatedResourceArn"])
    access = CopyAccess(restorer, clock, connector, poll=timedelta(seconds=15))
    deadline = started + settings.deadline
    added = Copy(restored.identifier)
    try:
        if isinstance(restorer, AuroraRestorer):
            engine, members = restorer.members(restored)
            if not members:
                tags = drill_tags(restored.identifier, settings.source, started, settings.tags)
                restorer.add_writer(added, engine, settings.instance_class, tags)
        whole = Copy(restored.identifier, restored.parts + added.parts)
        access.wait_available(whole, started, deadline)
        password = fresh_password()
        restorer.set_master_password(restored, password)
        user = _master_username(clients.rds, restored)
        login = Login("", 0, settings.database, user, password, settings.ca_file)
        with access.log_in(restored, login, started, deadline) as conn:
            usable = clock.now()
            result = run_suite(conn, settings.suite, recovery_point)
    except DrillStopped as stopped:
        status: RestoreValidationStatusType = "TIMED_OUT" if stopped.timed_out else "FAILED"
        return Verdict(status, str(stopped), DrillOutcome(False, 0, None, rpo))
    except ClientError as exc:
        return Verdict("FAILED", api_error(exc), DrillOutcome(False, 0, None, rpo))
    finally:
        access.delete(added, started, clock.now() + timedelta(minutes=1))
    failures = result.failures
    rto = (usable - requested).total_seconds()
    outcome = DrillOutcome(not failures, len(failures), rto, rpo)
    if failures:
        summary = "; ".join(f"{f.kind} {f.name}: {f.detail}" for f in failures)
        return Verdict(
            "FAILED", f"{len(failures)} of {len(result.checks)} failed: {summary}", outcome
        )
    return Verdict("SUCCESSFUL", f"{len(result.checks)} checks passed", outcome)


def _restored(rds: RDSClient, arn: str) -> tuple[Restorer, Copy]:
    """The restorer and the copy for the resource AWS Backup created (``...:cluster:x``)."""
    kind, name = arn.split(":")[-2:]
    if kind == "cluster":
        return AuroraRestorer(rds), Copy(name, [Part("cluster", name)])
    return InstanceRestorer(rds), Copy(name, [Part("instance", name)])


def _master_username(rds: RDSClient, copy: Copy) -> str:
    part = copy.parts[0]
    if part.kind == "cluster":
        return rds.describe_db_clusters(DBClusterIdentifier=part.name)["DBClusters"][0][
            "MasterUsername"
        ]
    return rds.describe_db_instances(DBInstanceIdentifier=part.name)["DBInstances"][0][
        "MasterUsername"
    ]


def handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """The Lambda entry point: settings from the environment, clients from the role."""
    settings = ValidatorSettings.from_environment(os.environ)
    clients = ValidatorClients(
        boto3.client("backup"), boto3.client("rds"), boto3.client("cloudwatch")
    )
    return handle(event, settings, clients, SystemClock())
