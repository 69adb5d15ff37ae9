"""Whole drills: moto plays the data account, the local PostgreSQL plays the restored copy.

Every test ends the same way: the copy's parts are gone, nothing else was deleted, and the
sources (clusters, instances, snapshots) describe exactly as before the drill.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from pgplat.config.model import PgplatConfig, SqlCheck, ValidationSuite
from pgplat.drills.restore.cleanup import DEFAULT_GRACE, delete_orphans, find_orphans
from pgplat.drills.restore.plan import DrillOptions, prepare
from pgplat.drills.restore.report import RestoreReport
from pgplat.drills.restore.runner import Drill, DrillPlan
from pgplat.validator.connect import Login
from pgplat.validator.copies import Copy
from pgplat.validator.drill_names import DRILL_TAG, drill_tags, instance_id
from tests.fixtures.drill import DataAccount, DrillCopy, FakeClock


class Observed:
    """A connector that records the copy as AWS describes it when the drill logs in, then
    routes the login to the stand-in (or, with ``refuse``, to a port nobody listens on)."""

    def __init__(self, account: DataAccount, stand_in: DrillCopy, refuse: bool = False) -> None:
        self.account = account
        self.stand_in = stand_in
        self.refuse = refuse
        self.logins: list[Login] = []
        self.clusters: list[dict[str, Any]] = []
        self.instances: list[dict[str, Any]] = []

    def __call__(self, login: Login) -> psycopg.Connection[Any]:
        self.logins.append(login)
        rds = self.account.rds
        self.clusters = [
            c
            for c in rds.describe_db_clusters()["DBClusters"]
            if any(t["Key"] == DRILL_TAG for t in c.get("TagList", []))
        ]
        self.instances = [
            i
            for i in rds.describe_db_instances()["DBInstances"]
            if any(t["Key"] == DRILL_TAG for t in i.get("TagList", []))
        ]
        if self.refuse:
            return psycopg.connect(
                host="127.0.0.1", port=1, dbname="x", user="x", connect_timeout=1
            )
        return self.stand_in.route(login)


def _drill(
    config: PgplatConfig,
    account: DataAccount,
    clock: FakeClock,
    connector: Observed,
    options: DrillOptions | None = None,
    squatter: bool = False,
    **changes: Any,
) -> tuple[RestoreReport, DrillPlan]:
    """Run a drill and check it left the account as it found it.

    With ``squatter``, an unrelated instance already holds the name the copy's instance
    needs, so the restore fails half-way; the squatter must survive the teardown.
    """
    plan, restorer = prepare(
        config, options or DrillOptions(), account.rds, account.ec2, clock.now()
    )
    plan = replace(plan, **changes)
    if squatter:
        account.rds.create_db_instance(
            DBInstanceIdentifier=instance_id(plan.copy_id),
            Engine="postgres",
            DBInstanceClass="db.t4g.micro",
            AllocatedStorage=20,
            MasterUsername="postgres",
            MasterUserPassword="not-ours-at-all",
        )
    before = account.source_state()
    everything_before = account.identifiers()
    account.calls.clear()
    report = Drill(restorer, clock, connector).run(plan)
    assert account.source_state() == before, "the source changed"
    assert account.identifiers() == everything_before, report.to_markdown()
    assert report.leftover == []
    for operation, params in account.writes():
        target = params.get("DBClusterIdentifier") or params.get("DBInstanceIdentifier")
        target = target or params["TargetDBInstanceIdentifier"]
        assert target.startswith(report.drill_id), (operation, target)
    if squatter:
        account.rds.delete_db_instance(
            DBInstanceIdentifier=instance_id(plan.copy_id), SkipFinalSnapshot=True
        )
    return report, plan


def _sent(account: DataAccount, operation: str) -> dict[str, Any]:
    (params,) = [p for op, p in account.calls if op == operation]
    return params


def test_aurora_drill_from_the_latest_snapshot(
    innovate: PgplatConfig, data_account: DataAccount, drill_copy: DrillCopy
) -> None:
    clock = FakeClock()
    observed = Observed(data_account, drill_copy)
    report, _ = _drill(innovate, data_account, clock, observed)

    assert report.outcome == "passed", report.to_markdown()
    assert report.passed
    assert [c.kind for c in report.checks] == [
        "connect",
        "table",
        "table",
        "row_count",
        "freshness",
    ]
    assert report.snapshot == "innovate-manual"
    assert report.created == [f"cluster {report.drill_id}", f"instance {report.drill_id}-1"]
    assert report.recovery_time_seconds is not None
    assert report.recovery_time_seconds >= 0

    (cluster,) = observed.clusters
    assert cluster["DBClusterIdentifier"] == report.drill_id
    assert cluster["KmsKeyId"] == data_account.kms_key
    assert cluster["StorageEncrypted"] is True
    assert cluster["DBSubnetGroup"] == "innovate-prod"
    assert [g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]] == [
        data_account.drill_sg["innovate-prod"]
    ]
    tags = {t["Key"]: t["Value"] for t in cluster["TagList"]}
    assert tags[DRILL_TAG] == report.drill_id
    assert tags["pgplat:drill-source"] == "innovate-prod"
    assert tags["owner"] == "platform-team"
    restore = _sent(data_account, "RestoreDBClusterFromSnapshot")
    assert restore["DeletionProtection"] is False
    assert restore["KmsKeyId"] == data_account.kms_key
    (instance,) = observed.instances
    assert instance["DBInstanceClass"] == "db.r6g.large"
    assert _sent(data_account, "CreateDBInstance")["PubliclyAccessible"] is False
    (login,) = observed.logins
    assert login.user == "postgres"
    assert login.dbname == "innovate"
    assert login.password != "source-password-never-read"
    assert login.password not in repr(login)
    assert login.password not in report.to_json() + report.to_markdown()


def test_aurora_drill_to_a_point_in_time(
    innovate: PgplatConfig, data_account: DataAccount, drill_copy: DrillCopy
) -> None:
    clock = FakeClock()
    latest = data_account.rds.describe_db_clusters(DBClusterIdentifier="innovate-prod")[
        "DBClusters"
    ][0]["LatestRestorableTime"]
    at = latest - timedelta(minutes=5)
    options = DrillOptions(restore_from="pitr", at=at)
    report, _ = _drill(innovate, data_account, clock, Observed(data_account, drill_copy), options)
    assert report.outcome == "passed", report.to_markdown()
    assert (report.restore_from, report.snapshot, report.recovery_point) == ("pitr", None, at)
    assert report.recovery_point_seconds == pytest.approx(
        (report.requested_at - at).total_seconds()
    )


@pytest.mark.parametrize("restore_from", ["latest-snapshot", "pitr"])
def test_rds_instance_drill(
    northwind: PgplatConfig,
    data_account: DataAccount,
    drill_copy: DrillCopy,
    restore_from: str,
) -> None:
    observed = Observed(data_account, drill_copy)
    suite = ValidationSuite(tables=["app.orders"])
    report, _ = _drill(
        northwind,
        data_account,
        FakeClock(),
        observed,
        DrillOptions(restore_from=restore_from),  # type: ignore[arg-type]
        suite=suite,
        dbname=drill_copy.dbname,
    )
    assert report.outcome == "passed", report.to_markdown()
    assert report.created == [f"instance {report.drill_id}"]
    operation = {
        "latest-snapshot": "RestoreDBInstanceFromDBSnapshot",
        "pitr": "RestoreDBInstanceToPointInTime",
    }[restore_from]
    sent = _sent(data_account, operation)
    assert (sent["MultiAZ"], sent["PubliclyAccessible"], sent["DeletionProtection"]) == (
        False,
        False,
        False,
    )
    (instance,) = observed.instances
    assert instance["StorageEncrypted"] is True
    assert instance["KmsKeyId"] == data_account.kms_key
    assert [g["VpcSecurityGroupId"] for g in instance["VpcSecurityGroups"]] == [
        data_account.drill_sg["northwind-prod"]
    ]


def test_failed_validation_is_reported_and_the_copy_deleted(
    innovate: PgplatConfig, data_account: DataAccount, drill_copy: DrillCopy
) -> None:
    suite = ValidationSuite(
        tables=["app.invoices"],
        sql=[SqlCheck(name="users", sql="SELECT count(*) FROM app.users", expect=1)],
    )
    report, _ = _drill(
        innovate, data_account, FakeClock(), Observed(data_account, drill_copy), suite=suite
    )
    assert report.outcome == "failed"
    assert report.message == "2 of 3 checks failed"
    assert "FAIL | table | app.invoices | table app.invoices does not exist" in report.to_markdown()


def test_restore_api_error_deletes_what_was_created_and_nothing_else(
    innovate: PgplatConfig, data_account: DataAccount, drill_copy: DrillCopy
) -> None:
    report, _ = _drill(
        innovate, data_account, FakeClock(), Observed(data_account, drill_copy), squatter=True
    )
    assert report.outcome == "error"
    assert report.message.startswith("CreateDBInstance failed: DBInstanceAlreadyExists")
    assert report.created == [f"cluster {report.drill_id}"]
    assert report.usable_at is None
    assert "not reached" in report.to_markdown()


def test_timeout_while_the_copy_refuses_logins(
    innovate: PgplatConfig, data_account: DataAccount, drill_copy: DrillCopy
) -> None:
    clock = FakeClock()
    observed = Observed(data_account, drill_copy, refuse=True)
    report, _ = _drill(innovate, data_account, clock, observed, deadline=timedelta(minutes=5))
    assert report.outcome == "timeout"
    assert report.message.startswith("not accepting logins yet (connection failed")
    assert report.message.endswith("deadline reached")
    assert len(observed.logins) > 2
    assert report.usable_at is None


def test_ctrl_c_mid_wait_still_deletes_the_copy(
    innovate: PgplatConfig, data_account: DataAccount, drill_copy: DrillCopy
) -> None:
    clock = FakeClock()
    clock.interrupt_on_sleep = 2
    observed = Observed(data_account, drill_copy, refuse=True)
    report, _ = _drill(innovate, data_account, clock, observed)
    assert report.outcome == "interrupted"
    assert len(observed.logins) == 2
    assert report.created == [f"cluster {report.drill_id}", f"instance {report.drill_id}-1"]
    assert "INTERRUPTED" in report.to_markdown()


def test_reports_are_written_as_json_and_markdown(
    innovate: PgplatConfig,
    data_account: DataAccount,
    drill_copy: DrillCopy,
    tmp_path: Any,
) -> None:
    report, _ = _drill(innovate, data_account, FakeClock(), Observed(data_account, drill_copy))
    as_json, as_markdown = report.write(tmp_path)
    assert as_json.name == f"{report.drill_id}.json"
    assert '"outcome": "passed"' in as_json.read_text()
    text = as_markdown.read_text()
    assert text.startswith(f"# Restore drill {report.drill_id}")
    assert "every temporary resource was deleted" in text


def test_iam_authentication_logs_in_with_a_fresh_token(
    innovate: PgplatConfig, data_account: DataAccount, drill_copy: DrillCopy
) -> None:
    observed = Observed(data_account, drill_copy)
    options = DrillOptions(auth="iam", iam_user="web")
    report, _ = _drill(
        innovate, data_account, FakeClock(), observed, options, suite=ValidationSuite()
    )
    assert report.outcome == "passed", report.to_markdown()
    (login,) = observed.logins
    assert login.user == "web"
    assert "Action=connect" in login.password
    assert "DBUser=web" in login.password
    assert not [params for _, params in data_account.writes() if "MasterUserPassword" in params]


def test_cleanup_removes_what_a_killed_drill_left(
    innovate: PgplatConfig, data_account: DataAccount
) -> None:
    """A drill killed (SIGKILL, lost laptop) right after restoring: cluster and instance stay."""
    clock = FakeClock()
    plan, restorer = prepare(
        innovate, DrillOptions(), data_account.rds, data_account.ec2, clock.now()
    )
    before = data_account.identifiers()
    tags = drill_tags(plan.copy_id, "innovate-prod", clock.now(), innovate.tags)
    restorer.start(plan.source, plan.point, Copy(plan.copy_id), plan.security_group, tags)

    assert find_orphans(data_account.rds, clock.now()) == []  # within the grace period
    later = clock.now() + DEFAULT_GRACE + timedelta(minutes=1)
    (orphan,) = find_orphans(data_account.rds, later)
    assert orphan.drill_id == plan.copy_id
    assert [str(p) for p in orphan.parts] == [
        f"cluster {plan.copy_id}",
        f"instance {plan.copy_id}-1",
    ]
    source = data_account.source_state()
    assert delete_orphans(restorer, [orphan], FakeClock(later), timedelta(minutes=5)) == []
    assert data_account.identifiers() == before
    assert data_account.source_state() == source
