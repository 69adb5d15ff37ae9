"""`upgrade run` on AWS: moto plays RDS's control plane (Blue/Green deployments included), a
local blue/green pair the data plane — when moto switches over, the pair does, as the
endpoint behind the cluster's DNS name would. Then the refusals, each before any change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.local import binaries
from pgplat.local.cluster import LocalCluster
from pgplat.project import Project
from pgplat.upgrade.blue_green import DELETE_AFTER_TAG, UPGRADE_TAG, BlueGreen
from pgplat.upgrade.local_pair import LocalBlueGreen
from pgplat.upgrade.report import UpgradeReport
from pgplat.upgrade.run import RunOptions, run_upgrade
from pgplat.validator.connect import Login
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE
from tests.fixtures.failover import answer_pending_maintenance

pytestmark = pytest.mark.slow

IDENTIFIER = "innovate-prod"
TARGET_GROUP = "innovate-prod-postgres17"
CHANGES = {
    "CreateBlueGreenDeployment",
    "SwitchoverBlueGreenDeployment",
    "ModifyDBCluster",
    "AddTagsToResource",
}


@dataclass
class Account:
    session: boto3.Session
    rds: Any
    calls: list[str]
    pending_maintenance: list[str]

    def changes(self) -> list[str]:
        return [name for name in self.calls if name in CHANGES]

    def cluster(self, identifier: str = IDENTIFIER) -> Any:
        return self.rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]

    def tags(self, identifier: str) -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in self.cluster(identifier).get("TagList", [])}


@pytest.fixture
def account() -> Iterator[Account]:
    """innovate-prod: Aurora 14.19, a writer and a reader, an RDS-managed master password,
    and the cluster parameter group of 17 that pgplat's synthesis would have deployed."""
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        pending: list[str] = []
        answer_pending_maintenance(session, pending)
        rds = session.client("rds")
        rds.create_db_cluster(
            DBClusterIdentifier=IDENTIFIER,
            Engine="aurora-postgresql",
            EngineVersion="14.19",
            MasterUsername="postgres",
            ManageMasterUserPassword=True,
        )
        for name in ("innovate-prod-writer", "innovate-prod-reader"):
            rds.create_db_instance(
                DBInstanceIdentifier=name,
                DBClusterIdentifier=IDENTIFIER,
                Engine="aurora-postgresql",
                DBInstanceClass="db.r6g.large",
            )
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=TARGET_GROUP,
            DBParameterGroupFamily="aurora-postgresql17",
            Description="pgplat parameters of innovate-prod",
        )
        calls: list[str] = []
        session.events.register(
            "provide-client-params.rds", lambda model, **_: calls.append(model.name)
        )
        yield Account(session, rds, calls, pending)


@pytest.fixture
def ready(innovate: PgplatConfig) -> PgplatConfig:
    """innovate with logical replication on and 17's group declared: the two blockers."""
    prod = innovate.environments.prod.model_copy(
        update={"parameters": {"rds.logical_replication": 1}, "upgrade_to": 17}
    )
    envs = innovate.environments.model_copy(update={"prod": prod})
    return innovate.model_copy(update={"environments": envs})


@pytest.fixture
def data_plane(
    twin: tuple[LocalCluster, Project], client_env: pytest.MonkeyPatch
) -> Iterator[LocalBlueGreen]:
    """Blue behind an endpoint the probe reaches through PG* variables; green is made when
    moto creates the Blue/Green deployment (see `_play`)."""
    cluster, project = twin
    pair = LocalBlueGreen(cluster, project.state / "aws-data-plane", binaries.newest_embedded(17))
    try:
        pair.make_blue()
        endpoint = pair.open_endpoint()
        env = pair.blue.info().env("web") | {"PGHOST": "127.0.0.1", "PGPORT": str(endpoint.port)}
        for name, value in env.items():
            client_env.setenv(name, value)
        yield pair
    finally:
        pair.close()


def _play(account: Account, pair: LocalBlueGreen) -> None:
    """The data plane follows the control plane: green is made and replicates when moto creates
    the deployment, and the pair switches over when moto does."""
    scratch = UpgradeReport("plane", "prod", "14", "17", datetime.now(UTC))

    def create(**_: Any) -> None:
        pair.make_green()
        pair.replicate(60)

    def switch(**_: Any) -> None:
        pair.switch_over(scratch, 30)

    account.session.events.register("after-call.rds.CreateBlueGreenDeployment", create)
    account.session.events.register("after-call.rds.SwitchoverBlueGreenDeployment", switch)


def _green_connector(pair: LocalBlueGreen, logins: list[Login]) -> Any:
    def connect(login: Login) -> psycopg.Connection[Any]:
        logins.append(login)
        return psycopg.connect(pair.green.info().admin_conninfo())

    return connect


def _options(**changes: Any) -> RunOptions:
    return replace(RunOptions("prod", 17, yes_prod=True, warmup=1.0), **changes)


def test_the_upgrade_switches_over_keeps_blue_and_gives_the_password_back(
    account: Account,
    data_plane: LocalBlueGreen,
    ready: PgplatConfig,
    twin: tuple[LocalCluster, Project],
    tmp_path: Path,
) -> None:
    _play(account, data_plane)
    logins: list[Login] = []
    report, paths = run_upgrade(
        account.session,
        ready,
        twin[1],
        _options(keep_blue=timedelta(hours=6), reports=tmp_path),
        say=lambda _: None,
        warn=pytest.fail,
        connector=_green_connector(data_plane, logins),
    )
    assert report.outcome == "passed", report.as_dict()
    switch = report.switchover
    assert switch is not None
    assert switch.figures is not None
    assert switch.lost_writes == []
    assert switch.figures.errors == 0
    assert report.target == "17.11"  # the newest 17 in the dated table
    production = account.cluster()
    assert production["EngineVersion"] == "17.11"
    assert "MasterUserSecret" in production, "the master password was not handed back to RDS"
    assert UPGRADE_TAG not in account.tags(IDENTIFIER)
    old_blue = account.tags(f"{IDENTIFIER}-old1")
    assert DELETE_AFTER_TAG in old_blue
    assert UPGRADE_TAG not in old_blue
    assert account.rds.describe_blue_green_deployments()["BlueGreenDeployments"] == []
    secrets = account.session.client("secretsmanager").list_secrets()["SecretList"]
    assert not [s for s in secrets if s["Name"].endswith("/upgrade-master")]
    assert [login.user for login in logins] == ["postgres"]
    assert {p.suffix for p in paths} == {".json", ".md", ".jsonl"}


def test_moto_refuses_a_managed_master_password_which_is_why_pgplat_releases_it(
    account: Account,
) -> None:
    upgrade = BlueGreen(
        account.rds,
        account.session.client("secretsmanager"),
        "aurora",
        IDENTIFIER,
        "17.11",
        TARGET_GROUP,
    )
    upgrade.check()
    with pytest.raises(ClientError, match="SourceClusterNotSupported"):
        upgrade.create("direct", {}, timeout=5)


def test_a_failed_validation_deletes_green_and_leaves_production(
    account: Account,
    ready: PgplatConfig,
    twin: tuple[LocalCluster, Project],
    client_env: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for name, value in twin[0].info().env("web").items():  # production is the twin here
        client_env.setenv(name, value)
    prod = ready.environments.prod
    assert prod.backup.restore_test is not None
    suite = prod.backup.restore_test.validation.model_copy(update={"tables": ["app.missing"]})
    test = prod.backup.restore_test.model_copy(update={"validation": suite})
    backup = prod.backup.model_copy(update={"restore_test": test})
    envs = ready.environments.model_copy(
        update={"prod": prod.model_copy(update={"backup": backup})}
    )
    broken = ready.model_copy(update={"environments": envs})
    report, _ = run_upgrade(
        account.session,
        broken,
        twin[1],
        _options(reports=tmp_path),
        say=lambda _: None,
        warn=pytest.fail,
        connector=lambda _: psycopg.connect(twin[0].info().admin_conninfo()),
    )
    assert report.outcome == "failed"
    assert "production was not touched" in report.message
    assert "SwitchoverBlueGreenDeployment" not in account.calls
    assert account.cluster()["EngineVersion"] == "14.19"
    assert "MasterUserSecret" in account.cluster()
    assert account.rds.describe_blue_green_deployments()["BlueGreenDeployments"] == []


def _no_yes_prod(account: Account) -> RunOptions:
    return _options(yes_prod=False)


def _pending(account: Account) -> RunOptions:
    account.pending_maintenance.append("system-update")
    return _options()


def _no_group(account: Account) -> RunOptions:
    account.rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName=TARGET_GROUP)
    return _options()


def _locked(account: Account) -> RunOptions:
    arn = account.cluster()["DBClusterArn"]
    account.rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": UPGRADE_TAG, "Value": "x"}])
    account.calls.clear()
    return _options()


def _past_the_table(account: Account) -> RunOptions:
    return _options(target_version="17.99")


@pytest.mark.parametrize(
    ("arrange", "message"),
    [
        (_no_yes_prod, "--yes-prod"),
        (_pending, "pending maintenance"),
        (_no_group, "innovate-prod-postgres17 does not exist"),
        (_locked, "an upgrade is in progress"),
        (_past_the_table, "is not offered"),
    ],
)
def test_refusals_change_nothing(
    account: Account,
    ready: PgplatConfig,
    twin: tuple[LocalCluster, Project],
    arrange: Any,
    message: str,
) -> None:
    options = arrange(account)
    with pytest.raises(UserError, match=message):
        run_upgrade(account.session, ready, twin[1], options, say=lambda _: None, warn=pytest.fail)
    assert account.changes() == []
    assert account.cluster()["EngineVersion"] == "14.19"


def test_a_plan_with_a_blocker_refuses(
    account: Account, innovate: PgplatConfig, twin: tuple[LocalCluster, Project]
) -> None:
    with pytest.raises(UserError, match=r"2 blocker.*logical-replication, target-parameter"):
        run_upgrade(
            account.session, innovate, twin[1], _options(), say=lambda _: None, warn=pytest.fail
        )
    assert account.calls == []


def test_the_cli_refuses_production_without_yes_prod_in_one_line(run_cli: RunCli) -> None:
    result = run_cli("-c", str(INNOVATE), "upgrade", "run", "--env", "prod", "--to", "18")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: a major upgrade switches production over (writes stop for seconds); run it "
        "in a quiet hour and pass --yes-prod"
    ]
