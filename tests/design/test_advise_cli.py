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
from pgplat.design.prices import PriceTable, save_prices
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
        (["--region", "us-east-1", "--reads", "10"], "writes: Field required (set it with --writes"),
        (["--region", "us-east-1", "--reads", "10", "--writes", "1", "--data-gib", "-5"], "--data-gib"),
        (["--reads", "10"], "no region: pass --region"),
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


def test_a_region_without_prices_still_advises(invoke: Callable[..., Result]) -> None:
    done = invoke(
        "advise", "--region", "eu-central-1", "--reads", "1", "--writes", "1", "--data-gib", "1"
    )
    assert done.exit_code == 0, done.output
    assert "Recommendation: RDS Multi-AZ" in done.stdout
    assert "no prices for eu-central-1: the costs are us-east-1's" in done.stdout
    assert "--refresh-prices --region eu-central-1" in done.stdout


def test_the_configuration_is_the_default_workload(invoke: Callable[..., Result]) -> None:
    done = invoke("-q", "-c", str(INNOVATE), "-o", "json", "advise", "--availability", "99.99")
    assert done.exit_code == 0, done.output
    advice = json.loads(done.stdout)
    sources = advice["profile_sources"]
    assert sources["reads"] == sources["writes"] == sources["data_gib"] == "configuration"
    assert sources["availability"] == "flag"
    assert sources["connections"] == "default"
    assert advice["profile"]["data_gib"] == 100
    text = invoke("-q", "-c", str(INNOVATE), "advise")
    assert text.exit_code == 0, text.output
    assert "what environments.prod's instances carry" in text.stdout


def test_profile_keys_are_the_flags_names(invoke: Callable[..., Result], tmp_path: Path) -> None:
    spelled = tmp_path / "spelled.yaml"
    spelled.write_text("reads: 100\nwrites: 20\ndata-gib: 50\npeak-to-average: 4\n")
    done = invoke("-o", "json", "advise", "--region", "us-east-1", "--profile", str(spelled))
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["profile"]["peak_to_average"] == 4


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("reads_per_second", "reads_per_second is now reads, the name of its flag --reads"),
        ("availability_target", "availability_target is now availability, the name of its flag --availability"),
        ("growth-gib-per-month", "growth_gib_per_month is now growth_gib, the name of its flag --growth-gib"),
        ("iops", "unknown key iops; the keys are the flags' names: reads, writes, data_gib"),
    ],
)  # fmt: skip
def test_an_old_or_unknown_key_is_one_line_naming_the_flag(
    invoke: Callable[..., Result], tmp_path: Path, key: str, message: str
) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(f"{key}: 10\nwrites: 1\ndata_gib: 1\n")
    done = invoke("advise", "--region", "us-east-1", "--profile", str(old))
    assert isinstance(done.exception, UserError)
    assert message in str(done.exception)
    assert "\n" not in str(done.exception)


def test_no_prices_at_all_still_gives_the_rules(
    invoke: Callable[..., Result], tmp_path: Path, prices: PriceTable
) -> None:
    frankfurt = prices.model_copy(update={"regions": {"eu-central-1": prices.regions["us-east-1"]}})
    table = tmp_path / "frankfurt.json"
    save_prices(frankfurt, table)
    done = invoke(
        "advise", "--region", "sa-east-1", "--prices", str(table),
        "--reads", "8000", "--writes", "10", "--data-gib", "5",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Recommendation: Aurora Standard" in done.stdout
    assert "no prices for sa-east-1: the advice is the rules' alone" in done.stdout
    assert "Estimated monthly cost" not in done.stdout


def test_old_prices_are_a_warning_on_stderr(run_cli: RunCli) -> None:
    """The shipped table is dated 2025-01-01: more than 180 days old from mid-2025 on."""
    done = run_cli(
        "-o", "json", "advise", "--region", "us-east-1",
        "--reads", "10", "--writes", "1", "--data-gib", "1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "warning: the us-east-1 prices are from 2025-01-01, more than 180 days ago" in (
        done.stderr
    )
    assert json.loads(done.stdout)["prices"]["warnings"]
