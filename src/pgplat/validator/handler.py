"""The Lambda behind the scheduled restore test: validate each copy AWS Backup restores.

EventBridge invokes it for two events:

* an AWS Backup "Restore Job State Change" to ``COMPLETED`` of our restore-testing plan: the
  handler logs in to the restored copy, runs the configured validation suite (the same engine
  as ``pgplat drill restore``), reports the verdict with ``PutRestoreValidationResult`` and publishes
  the drill metrics. AWS Backup deletes the copy itself after the validation window.
* a daily schedule: it publishes the age of the last successful drill, which the
  "no recent successful drill" alarm watches.

It runs from the Lambda asset (see :mod:`pgplat.validator`); the configuration reaches it
through environment variables set by the data stack (:mod:`pgplat.validator.settings`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from pgplat.validator.access import CopyAccess, DrillStopped, api_error
from pgplat.validator.clock import Clock, SystemClock
from pgplat.validator.connect import Connector, Login, connect, fresh_password
from pgplat.validator.copies import AuroraCopies, Copy, restored
from pgplat.validator.drill_names import drill_tags
from pgplat.validator.metrics import RestoreFigures, publish, publish_days_since_success
from pgplat.validator.settings import ValidatorSettings
from pgplat.validator.suite import run_suite

if TYPE_CHECKING:
    from mypy_boto3_backup import BackupClient
    from mypy_boto3_backup.literals import RestoreValidationStatusType
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_rds import RDSClient

_MESSAGE_LIMIT = 1000


@dataclass(frozen=True)
class ValidatorClients:
    backup: BackupClient
    rds: RDSClient
    cloudwatch: CloudWatchClient


@dataclass(frozen=True)
class Verdict:
    status: RestoreValidationStatusType
    message: str
    figures: RestoreFigures


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
    publish(clients.cloudwatch, settings.source, clock.now(), verdict.figures)
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
    control, copy = restored(clients.rds, job["CreatedResourceArn"])
    access = CopyAccess(control, clock, connector, poll=timedelta(seconds=15))
    deadline = started + settings.deadline
    added = Copy(copy.identifier)
    try:
        if isinstance(control, AuroraCopies):
            engine, members = control.members(copy)
            if not members:
                tags = drill_tags(copy.identifier, settings.source, started, settings.tags)
                control.add_writer(added, engine, settings.instance_class, tags)
        whole = Copy(copy.identifier, copy.parts + added.parts)
        access.wait_available(whole, started, deadline)
        password = fresh_password()
        control.set_master_password(copy, password)
        user = control.master_username(copy)
        login = Login("", 0, settings.database, user, password, settings.ca_file)
        with access.log_in(copy, login, started, deadline) as conn:
            usable = clock.now()
            result = run_suite(conn, settings.suite, recovery_point)
    except DrillStopped as stopped:
        status: RestoreValidationStatusType = "TIMED_OUT" if stopped.timed_out else "FAILED"
        return Verdict(status, str(stopped), RestoreFigures(False, 0, None, rpo))
    except ClientError as exc:
        return Verdict("FAILED", api_error(exc), RestoreFigures(False, 0, None, rpo))
    finally:
        access.delete(added, started, clock.now() + timedelta(minutes=1))
    failures = result.failures
    rto = (usable - requested).total_seconds()
    figures = RestoreFigures(not failures, len(failures), rto, rpo)
    if failures:
        summary = "; ".join(f"{f.kind} {f.name}: {f.detail}" for f in failures)
        return Verdict(
            "FAILED", f"{len(failures)} of {len(result.checks)} failed: {summary}", figures
        )
    return Verdict("SUCCESSFUL", f"{len(result.checks)} checks passed", figures)


def handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """The Lambda entry point: settings from the environment, clients from the role."""
    settings = ValidatorSettings.from_environment(os.environ)
    clients = ValidatorClients(
        boto3.client("backup"), boto3.client("rds"), boto3.client("cloudwatch")
    )
    return handle(event, settings, clients, SystemClock())
