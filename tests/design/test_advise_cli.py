"""`pgplat advise`: stable JSON through the real console entry; flags, files and errors
through the same Typer app in-process."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pgplat.commands.app import app
from pgplat.errors import UserError
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE

GOLDEN = Path(__file__).parent / "golden"
WORKLOAD = GOLDEN / "innovate-workload.yaml"


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``invoke(*args)``: `pgplat <args>` in-process, in an empty directory."""
    monkeypatch.chdir(tmp_path)
    return lambda *args: CliRunner().invoke(app, list(args))


def test_json_output_is_stable(run_cli: RunCli) -> None:
    """The innovate example's region and retention, the plan's workload: a golden file.

    Regenerate after a deliberate change with PGPLAT_UPDATE_GOLDEN=1.
    """
    done = run_cli(
        "-q", "-c", str(INNOVATE), "advise", "--profile", str(WORKLOAD), "--output", "json"
    )
    assert done.returncode == 0, done.stderr
    golden = GOLDEN / "advise-innovate.json"
    if os.environ.get("PGPLAT_UPDATE_GOLDEN"):
        golden.write_text(done.stdout)
    assert done.stdout == golden.read_text()
    advice = json.loads(done.stdout)
    assert advice["recommendation"] == "aurora-standard"
    assert advice["prices"]["region"] == "us-east-1"
    assert advice["backup_retention_days"] == 14
    assert advice["configured_flavor"] == "aurora"
    assert advice["profile"]["read_heavy"] is None


def test_flags_override_the_profile_file(invoke: Callable[..., Result]) -> None:
    done = invoke(
        "-o", "json", "advise", "--region", "us-east-1", "--profile", str(WORKLOAD),
        "--reads", "100", "--writes", "20", "--availability", "99.9", "--peak-to-average", "1.2",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    advice = json.loads(done.stdout)
    assert advice["recommendation"] == "rds-multi-az"
    assert advice["backup_retention_days"] == 14


def test_text_output_names_the_choice_costs_and_price_date(
    invoke: Callable[..., Result],
) -> None:
    done = invoke(
        "advise", "--region", "us-east-1", "--reads", "300", "--writes", "40", "--data-gib", "50",
        "--peak-to-average", "5",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Recommendation: Aurora Serverless v2" in done.stdout
    assert "prices of 2025-01-01" in done.stdout
    for label in ("RDS Multi-AZ", "Aurora Standard", "Aurora I/O-Optimized"):
        assert label in done.stdout
    assert "environments.prod.flavor" not in done.stdout  # no configuration here


@pytest.mark.parametrize(
    ("reads", "verdict"),
    [("8000", "the configuration agrees"), ("100", "the configuration differs")],
)
def test_text_output_compares_with_the_configured_flavor(
    invoke: Callable[..., Result], reads: str, verdict: str
) -> None:
    done = invoke(
        "-q", "-c", str(INNOVATE), "advise", "--reads", reads, "--writes", "50", "--data-gib", "100"
    )
    assert done.exit_code == 0, done.output
    assert f"environments.prod.flavor is aurora: {verdict}" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "us-east-1", "--reads", "10"], "writes_per_second: Field required"),
        (["--region", "us-east-1", "--reads", "10", "--writes", "1", "--data-gib", "-5"], "--data-gib"),
        (["--reads", "10"], "no region: pass --region"),
        (["--region", "eu-central-1", "--reads", "1", "--writes", "1", "--data-gib", "1"], "--refresh-prices --region eu-central-1"),
        (["--region", "us-east-1", "--profile", "missing.yaml"], "cannot read workload profile missing.yaml"),
    ],
)  # fmt: skip
def test_user_errors_are_one_clear_line(
    invoke: Callable[..., Result], args: list[str], message: str
) -> None:
    done = invoke("advise", *args)
    assert isinstance(done.exception, UserError)
    assert message in str(done.exception)
    assert "\n" not in str(done.exception)
