"""`pgplat drill restore` and `pgplat drill cleanup` end to end: config file, the assumed drill role,
moto's data account (the innovate data account, 111111111111), reports on disk, metrics."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from pgplat.commands.app import main
from pgplat.validator.drill_names import DRILL_TAG, STARTED_TAG
from pgplat.validator.metrics import NAMESPACE
from tests.fixtures.drill import DataAccount, open_data_account
from tests.fixtures.examples import INNOVATE

INNOVATE_DATA_ACCOUNT = "111111111111"


@pytest.fixture(scope="module")
def data_account() -> Iterator[DataAccount]:
    """The sources, created in the innovate data account that the drill role belongs to."""
    with mock_aws():
        found = boto3.client("sts", region_name="us-east-1").assume_role(
            RoleArn=f"arn:aws:iam::{INNOVATE_DATA_ACCOUNT}:role/set-up", RoleSessionName="set-up"
        )["Credentials"]
        session = boto3.Session(
            aws_access_key_id=found["AccessKeyId"],
            aws_secret_access_key=found["SecretAccessKey"],
            aws_session_token=found["SessionToken"],
            region_name="us-east-1",
        )
        yield open_data_account(session)


class Pgplat:
    """The real entry point (``pgplat.commands.app.main``) in this process, where moto is active."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self._monkeypatch.setattr(sys, "argv", ["pgplat", "-c", str(INNOVATE), *args])
        with pytest.raises(SystemExit) as exited:
            main()
        captured = self._capsys.readouterr()
        return int(exited.value.code or 0), captured.out, captured.err


@pytest.fixture
def pgplat(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Pgplat:
    return Pgplat(capsys, monkeypatch)


def test_a_drill_that_times_out_still_deletes_the_copy_and_reports(
    pgplat: Pgplat, data_account: DataAccount, tmp_path: Path
) -> None:
    before = data_account.identifiers()
    code, output, _ = pgplat(
        "-o",
        "json",
        "drill",
        "restore",
        "--deadline",
        "0",
        "--tunnel",
        "127.0.0.1:1",
        "--reports",
        str(tmp_path),
    )
    assert code == 1, output
    report = json.loads(output)
    assert report["outcome"] == "timeout"
    assert report["leftover"] == []
    assert data_account.identifiers() == before
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [f"{report['drill_id']}.json", f"{report['drill_id']}.md"]
    datapoints = data_account.cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="DrillSucceeded",
        Dimensions=[{"Name": "Database", "Value": "innovate-prod"}],
        StartTime=datetime.now(UTC) - timedelta(hours=1),
        EndTime=datetime.now(UTC) + timedelta(hours=1),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    assert [p["Maximum"] for p in datapoints] == [0.0]


def test_text_output_names_the_outcome_and_the_reports(
    pgplat: Pgplat, data_account: DataAccount, tmp_path: Path
) -> None:
    code, output, _ = pgplat(
        "drill",
        "restore",
        "--from",
        "pitr",
        "--deadline",
        "0",
        "--tunnel",
        "127.0.0.1:1",
        "--reports",
        str(tmp_path),
    )
    assert code == 1
    assert "TIMEOUT" in output
    assert "recovery time: not reached" in output
    assert f"report: {tmp_path}" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "yesterday"], "choose latest-snapshot or pitr"),
        (["--at", "2026-01-01T00:00:00"], "--at only applies to --from pitr"),
        (["--from", "pitr", "--at", "2099-01-01T00:00:00"], "is after the latest restorable time"),
        (["--auth", "iam"], "--auth iam needs --user NAME"),
        (["--env", "staging"], "environment 'staging' is not configured"),
        (["--tunnel", "bastion:22"], "write IP:PORT"),
    ],
)
def test_mistakes_are_one_line_errors(
    pgplat: Pgplat, data_account: DataAccount, args: list[str], message: str
) -> None:
    code, _, errors = pgplat("-q", "drill", "restore", *args)
    assert code == 2
    assert message in errors
    assert "Traceback" not in errors


def test_cleanup_deletes_only_old_drill_copies(pgplat: Pgplat, data_account: DataAccount) -> None:
    rds = data_account.rds
    now = datetime.now(UTC)
    for name, age in (("drill-old-innovate-prod", 30), ("drill-young-innovate-prod", 1)):
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            Engine="postgres",
            DBInstanceClass="db.t4g.micro",
            AllocatedStorage=20,
            MasterUsername="postgres",
            MasterUserPassword="whatever-it-was",
            Tags=[
                {"Key": DRILL_TAG, "Value": name},
                {"Key": STARTED_TAG, "Value": (now - timedelta(hours=age)).isoformat()},
            ],
        )
    before = data_account.source_state()

    code, output, _ = pgplat("drill", "cleanup", "--dry-run")
    assert code == 0, output
    assert "would delete drill-old-innovate-prod" in output
    assert "young" not in output
    assert "drill-old-innovate-prod" in data_account.identifiers()[1]

    code, output, _ = pgplat("-o", "json", "drill", "cleanup")
    assert code == 0, output
    assert [o["drill_id"] for o in json.loads(output)["orphans"]] == ["drill-old-innovate-prod"]
    instances = data_account.identifiers()[1]
    assert "drill-old-innovate-prod" not in instances
    assert "drill-young-innovate-prod" in instances
    assert data_account.source_state() == before
    rds.delete_db_instance(DBInstanceIdentifier="drill-young-innovate-prod", SkipFinalSnapshot=True)
