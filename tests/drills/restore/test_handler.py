"""The restore-test Lambda, run locally on synthetic EventBridge events.

RDS and CloudWatch are moto; the restored copy's data plane is the local PostgreSQL stand-in.
moto does not implement AWS Backup's DescribeRestoreJob or PutRestoreValidationResult, so the
Backup client is a botocore Stubber that checks every request against the real API model.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from pgplat.config.model import PgplatConfig, SqlCheck, ValidationSuite
from pgplat.validator.handler import ValidatorClients, handle
from pgplat.validator.metrics import NAMESPACE
from pgplat.validator.settings import ValidatorSettings
from tests.drills.restore.test_drill import Observed
from tests.fixtures.drill import DataAccount, DrillCopy, FakeClock

JOB = "1f6a3b4c-0000-4000-8000-00000000abcd"


def _event(status: str = "COMPLETED", arn: str = "") -> dict[str, Any]:
    return {
        "version": "0",
        "id": "7e0c1f52-2f4f-4c2e-9a43-1a9e5b0c9d11",
        "detail-type": "Restore Job State Change",
        "source": "aws.backup",
        "account": "123456789012",
        "time": "2026-11-21T06:42:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "restoreJobId": JOB,
            "resourceType": "Aurora",
            "status": status,
            "percentDone": "100.00%",
            "createdResourceArn": arn,
            "restoreTestingPlanArn": "arn:aws:backup:us-east-1:123456789012:restore-testing-plan:innovate_prod_restore_test-abc",
        },
    }


@pytest.fixture
def restored(data_account: DataAccount) -> Iterator[str]:
    """What AWS Backup leaves behind: an Aurora cluster restored from the snapshot, no instance.

    Named afresh each time: moto keeps the automated snapshots of deleted clusters."""
    name = f"awsbackup-restore-test-{secrets.token_hex(3)}"
    found = data_account.rds.restore_db_cluster_from_snapshot(
        DBClusterIdentifier=name,
        SnapshotIdentifier="innovate-manual",
        Engine="aurora-postgresql",
        DBSubnetGroupName="innovate-prod",
    )
    yield found["DBCluster"]["DBClusterArn"]
    # moto carries the source's deletion protection over to the copy
    data_account.rds.modify_db_cluster(DBClusterIdentifier=name, DeletionProtection=False)
    data_account.rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)


class Backup:
    """A Backup client whose requests are checked against the API model and answered."""

    def __init__(self, region: str) -> None:
        self.client = boto3.client("backup", region_name=region)
        self.stubber = Stubber(self.client)

    def expect_validation(self, arn: str, requested: datetime, taken: datetime) -> None:
        self.stubber.add_response(
            "put_restore_validation_result",
            {},
            {"RestoreJobId": JOB, "ValidationStatus": "VALIDATING"},
        )
        self.stubber.add_response(
            "describe_restore_job",
            {
                "RestoreJobId": JOB,
                "Status": "COMPLETED",
                "CreatedResourceArn": arn,
                "CreationDate": requested,
                "RecoveryPointCreationDate": taken,
                "ResourceType": "Aurora",
            },
            {"RestoreJobId": JOB},
        )

    def expect_verdict(self, status: str, message: Any) -> None:
        self.stubber.add_response(
            "put_restore_validation_result",
            {},
            {"RestoreJobId": JOB, "ValidationStatus": status, "ValidationStatusMessage": message},
        )


def _settings(innovate: PgplatConfig, drill_copy: DrillCopy) -> ValidatorSettings:
    settings = ValidatorSettings.of(innovate, "prod")
    return ValidatorSettings.from_environment(settings.environment())


def _run(
    account: DataAccount,
    drill_copy: DrillCopy,
    settings: ValidatorSettings,
    backup: Backup,
    arn: str,
    status: str,
    message: Any,
    refuse: bool = False,
) -> tuple[dict[str, Any], Observed]:
    clock = FakeClock()
    backup.expect_validation(
        arn, clock.now() - timedelta(minutes=40), clock.now() - timedelta(hours=2)
    )
    backup.expect_verdict(status, message)
    observed = Observed(account, drill_copy, refuse=refuse)
    clients = ValidatorClients(backup.client, account.rds, account.cloudwatch)
    before = account.source_state()
    with backup.stubber:
        result = handle(_event(arn=arn), settings, clients, clock, observed)
        backup.stubber.assert_no_pending_responses()
    assert account.source_state() == before
    name = arn.split(":")[-1]
    cluster = account.rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
    assert cluster["DBClusterMembers"] == [], "the validator's instance must be deleted"
    return result, observed


def _metric(account: DataAccount, name: str, source: str = "innovate-prod") -> list[float]:
    found = account.cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=name,
        Dimensions=[{"Name": "Database", "Value": source}],
        StartTime=datetime.now(UTC) - timedelta(days=1),
        EndTime=datetime.now(UTC) + timedelta(days=1),
        Period=60,
        Statistics=["Maximum"],
    )
    return [p["Maximum"] for p in found["Datapoints"]]


def test_a_good_restore_is_reported_successful(
    innovate: PgplatConfig, data_account: DataAccount, drill_copy: DrillCopy, restored: str
) -> None:
    settings = replace(_settings(innovate, drill_copy), database=drill_copy.dbname)
    backup = Backup(data_account.region)
    result, observed = _run(
        data_account, drill_copy, settings, backup, restored, "SUCCESSFUL", "5 checks passed"
    )
    assert result == {"restore_job": JOB, "status": "SUCCESSFUL", "message": "5 checks passed"}
    (login,) = observed.logins
    assert login.user == "postgres"
    (validator,) = observed.instances
    assert validator["DBClusterIdentifier"] == restored.split(":")[-1]
    assert validator["DBInstanceClass"] == "db.r6g.large"
    assert 1.0 in _metric(data_account, "DrillSucceeded")


def test_a_restore_missing_data_is_reported_failed(
    innovate: PgplatConfig, data_account: DataAccount, drill_copy: DrillCopy, restored: str
) -> None:
    suite = ValidationSuite(
        tables=["app.users"],
        sql=[SqlCheck(name="users", sql="SELECT count(*) FROM app.users", expect=1000)],
    )
    settings = replace(_settings(innovate, drill_copy), database=drill_copy.dbname, suite=suite)
    message = "1 of 3 failed: sql users: returned 25, expected 1000"
    result, _ = _run(
        data_account, drill_copy, settings, Backup(data_account.region), restored, "FAILED", message
    )
    assert result["status"] == "FAILED"
    assert 1.0 in _metric(data_account, "FailedChecks")


def test_a_copy_that_never_accepts_logins_times_out(
    innovate: PgplatConfig, data_account: DataAccount, drill_copy: DrillCopy, restored: str
) -> None:
    settings = replace(_settings(innovate, drill_copy), deadline=timedelta(minutes=2))
    backup = Backup(data_account.region)
    result, observed = _run(
        data_account, drill_copy, settings, backup, restored, "TIMED_OUT", ANY, refuse=True
    )
    assert result["message"].endswith("deadline reached")
    assert len(observed.logins) > 1


@pytest.mark.parametrize(
    "event",
    [
        _event(status="RUNNING"),
        {"detail-type": "EC2 Instance State-change Notification", "detail": {}},
    ],
)
def test_other_events_are_ignored(
    innovate: PgplatConfig, data_account: DataAccount, event: Any
) -> None:
    backup = Backup(data_account.region)
    clients = ValidatorClients(backup.client, data_account.rds, data_account.cloudwatch)
    settings = ValidatorSettings.of(innovate, "prod")
    with backup.stubber:
        assert "ignored" in handle(event, settings, clients, FakeClock())


def test_daily_event_publishes_the_age_of_the_last_success(
    innovate: PgplatConfig, data_account: DataAccount
) -> None:
    # A database of its own: the other tests of this module publish successes of innovate-prod.
    settings = replace(ValidatorSettings.of(innovate, "prod"), source="innovate-history")
    now = datetime.now(UTC)
    dimensions = [{"Name": "Database", "Value": settings.source}]
    data_account.cloudwatch.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {
                "MetricName": "DrillSucceeded",
                "Dimensions": dimensions,
                "Timestamp": now - timedelta(days=days),
                "Value": value,
            }
            for days, value in ((9, 1.0), (3, 1.0), (1, 0.0))
        ],
    )
    backup = boto3.client("backup", region_name="us-east-1")
    clients = ValidatorClients(backup, data_account.rds, data_account.cloudwatch)
    event = {"detail-type": "Scheduled Event", "source": "aws.events"}
    result = handle(event, settings, clients, FakeClock(now))
    assert result["days_since_successful_drill"] == pytest.approx(3, abs=0.05)
    assert _metric(data_account, "DaysSinceSuccessfulDrill", settings.source) == [
        pytest.approx(3, abs=0.05)
    ]


def test_no_success_in_the_lookback_counts_as_the_whole_lookback(
    innovate: PgplatConfig, data_account: DataAccount
) -> None:
    settings = replace(ValidatorSettings.of(innovate, "prod"), source="innovate-never")
    backup = boto3.client("backup", region_name="us-east-1")
    clients = ValidatorClients(backup, data_account.rds, data_account.cloudwatch)
    event = {"detail-type": "Scheduled Event", "source": "aws.events"}
    assert handle(event, settings, clients, FakeClock())["days_since_successful_drill"] == 90
