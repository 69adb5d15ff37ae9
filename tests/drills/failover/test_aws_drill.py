"""The AWS failover drill: moto plays the RDS control plane, and the local primary/standby pair
the data plane — when moto accepts the failover call, the pair fails over, as the cluster
behind the endpoint would. Then the refusal rules, each of which stops before any change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pgplat.config.model import PgplatConfig
from pgplat.drills.failover.aws import FAILOVER_TAG
from pgplat.drills.failover.drills import aws_drill
from pgplat.drills.failover.local import LocalFailover, standby_of
from pgplat.drills.failover.report import NAMESPACE, FailoverReport
from pgplat.drills.failover.runner import Timing
from pgplat.drills.report import publish
from pgplat.errors import UserError
from pgplat.local.cluster import LocalCluster
from tests.fixtures.failover import answer_pending_maintenance

QUICK = Timing(warmup=1.0, settle=0.5, timeout=30.0)
CHANGES = {"FailoverDBCluster", "RebootDBInstance", "AddTagsToResource"}


@dataclass
class Account:
    session: boto3.Session
    rds: Any
    calls: list[tuple[str, dict[str, Any]]]
    pending_maintenance: list[str]

    def changes(self) -> list[str]:
        return [name for name, _ in self.calls if name in CHANGES]

    def tags(self, arn: str) -> dict[str, str]:
        found = self.rds.list_tags_for_resource(ResourceName=arn)["TagList"]
        return {t["Key"]: t["Value"] for t in found}


@pytest.fixture
def account() -> Iterator[Account]:
    """innovate-prod (Aurora, a writer and a reader) and innovate-dev (RDS Multi-AZ)."""
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        pending_maintenance: list[str] = []
        answer_pending_maintenance(session, pending_maintenance)
        rds = session.client("rds")
        rds.create_db_cluster(
            DBClusterIdentifier="innovate-prod",
            Engine="aurora-postgresql",
            EngineVersion="14.19",
            MasterUsername="postgres",
            MasterUserPassword="never-used-here",
        )
        for name in ("innovate-prod-writer", "innovate-prod-reader"):
            rds.create_db_instance(
                DBInstanceIdentifier=name,
                DBClusterIdentifier="innovate-prod",
                Engine="aurora-postgresql",
                DBInstanceClass="db.r6g.large",
            )
        rds.create_db_instance(
            DBInstanceIdentifier="innovate-dev",
            Engine="postgres",
            EngineVersion="14.19",
            DBInstanceClass="db.t4g.micro",
            AllocatedStorage=20,
            MasterUsername="postgres",
            MasterUserPassword="never-used-here",
            MultiAZ=True,
        )
        calls: list[tuple[str, dict[str, Any]]] = []
        session.events.register(
            "provide-client-params.rds",
            lambda params, model, **_: calls.append((model.name, dict(params))),
        )
        yield Account(session, rds, calls, pending_maintenance)


@pytest.fixture
def data_plane(
    failover_pair: LocalCluster, client_env: pytest.MonkeyPatch
) -> Iterator[LocalFailover]:
    """The pair behind an endpoint, named by PG* variables as the application's ConfigMap would."""
    local = LocalFailover(failover_pair, standby_of(failover_pair))
    env = failover_pair.info().env("web") | {
        "PGHOST": "127.0.0.1",
        "PGPORT": str(local.endpoint.port),
    }
    for name, value in env.items():
        client_env.setenv(name, value)
    yield local
    local.finish()
    local.endpoint.close()


def _fail_over_with(account: Account, operation: str, local: LocalFailover) -> None:
    def fail_over(**_: Any) -> None:
        local.fail_over()

    account.session.events.register(f"after-call.rds.{operation}", fail_over)


def _assert_passed(report: FailoverReport) -> None:
    assert report.outcome == "passed", report.message
    assert report.figures is not None
    assert report.figures.errors == 0
    assert report.lost_writes == []
    assert report.figures.detection_seconds is not None
    assert 0 < report.figures.write_unavailable_seconds < 5


def test_aurora_fails_over_to_the_chosen_reader_and_metrics_are_published(
    account: Account, data_plane: LocalFailover, innovate: PgplatConfig
) -> None:
    _fail_over_with(account, "FailoverDBCluster", data_plane)
    report = aws_drill(
        account.session,
        innovate,
        "prod",
        yes_prod=True,
        target_reader="innovate-prod-reader",
        rate=50,
        timing=QUICK,
    )
    _assert_passed(report)
    assert report.new_writer == "innovate-prod-reader"
    failovers = [params for name, params in account.calls if name == "FailoverDBCluster"]
    assert failovers == [
        {
            "DBClusterIdentifier": "innovate-prod",
            "TargetDBInstanceIdentifier": "innovate-prod-reader",
        }
    ]
    cluster = account.rds.describe_db_clusters(DBClusterIdentifier="innovate-prod")["DBClusters"][0]
    assert FAILOVER_TAG not in account.tags(cluster["DBClusterArn"]), "the lock is released"

    cloudwatch = account.session.client("cloudwatch")
    publish(cloudwatch, "innovate-prod", report)
    names = {m["MetricName"] for m in cloudwatch.list_metrics(Namespace=NAMESPACE)["Metrics"]}
    assert {"WriteUnavailableSeconds", "DetectionSeconds", "LostWrites", "ErrorsSurfaced"} <= names


def test_rds_multi_az_reboots_with_forced_failover(
    account: Account, data_plane: LocalFailover, innovate: PgplatConfig
) -> None:
    _fail_over_with(account, "RebootDBInstance", data_plane)
    report = aws_drill(
        account.session, innovate, "dev", yes_prod=False, target_reader=None, rate=50, timing=QUICK
    )
    _assert_passed(report)
    reboots = [params for name, params in account.calls if name == "RebootDBInstance"]
    assert reboots == [{"DBInstanceIdentifier": "innovate-dev", "ForceFailover": True}]


def _stop_cluster(account: Account) -> None:
    account.rds.stop_db_cluster(DBClusterIdentifier="innovate-prod")


def _pending_maintenance(account: Account) -> None:
    account.pending_maintenance.append("system-update")


def _drill_tag(account: Account) -> None:
    arn = account.rds.describe_db_clusters()["DBClusters"][0]["DBClusterArn"]
    account.rds.add_tags_to_resource(
        ResourceName=arn, Tags=[{"Key": FAILOVER_TAG, "Value": "drill-earlier"}]
    )


def _no_reader(account: Account) -> None:
    account.rds.delete_db_instance(DBInstanceIdentifier="innovate-prod-reader")


def _single_az(account: Account) -> None:
    account.rds.modify_db_instance(
        DBInstanceIdentifier="innovate-dev", MultiAZ=False, ApplyImmediately=True
    )


@pytest.mark.parametrize(
    ("env", "yes_prod", "expected"),
    [("prod", False, "pass --yes-prod"), ("staging", True, "'staging' is not configured")],
)
def test_refusals_before_asking_aws(
    innovate: PgplatConfig, env: str, yes_prod: bool, expected: str
) -> None:
    with pytest.raises(UserError, match=expected):
        aws_drill(
            boto3.Session(region_name="us-east-1"),
            innovate,
            env,
            yes_prod=yes_prod,
            target_reader=None,
            rate=50,
            timing=QUICK,
        )


@pytest.mark.parametrize(
    ("env", "yes_prod", "target", "arrange", "expected"),
    [
        ("prod", True, None, _stop_cluster, "is stopped, not available"),
        ("prod", True, None, _pending_maintenance, "pending maintenance (system-update)"),
        ("prod", True, None, _drill_tag, "a failover drill is in progress"),
        ("prod", True, None, _no_reader, "has no reader to fail over to"),
        ("prod", True, "innovate-prod-writer", None, "is not a reader of"),
        ("dev", False, None, _single_az, "is not Multi-AZ"),
    ],
)
def test_refusals_change_nothing(
    account: Account,
    innovate: PgplatConfig,
    env: str,
    yes_prod: bool,
    target: str | None,
    arrange: Any,
    expected: str,
) -> None:
    if arrange is not None:
        arrange(account)
    account.calls.clear()
    with pytest.raises(UserError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        aws_drill(
            account.session,
            innovate,
            env,
            yes_prod=yes_prod,
            target_reader=target,
            rate=50,
            timing=QUICK,
        )
    assert account.changes() == []
