"""`pgplat check` from the CLI on a synthesis broken on purpose: every layer reports its
error and the gate fails; waivers, thresholds and bad options behave as documented."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from pgplat.commands.app import app
from pgplat.errors import UserError
from pgplat.infra.app import MANIFEST, Synthesis
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE
from tests.fixtures.policy import CheckRun, run_check_cli

NONPROD_ACCOUNT = "333333333333"


def _templates(outdir: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(outdir.glob("*.template.json")):
        yield path, json.loads(path.read_text())


def _of_type(template: dict[str, Any], resource_type: str) -> Iterator[dict[str, Any]]:
    return (r for r in template["Resources"].values() if r["Type"] == resource_type)


def _break_prod(prod: Path) -> None:
    """One real mistake per layer, in the production templates."""
    for path, template in _templates(prod):
        for cluster in _of_type(template, "AWS::RDS::DBCluster"):
            cluster["Properties"]["StorageEncrypted"] = False  # rules, cdk-nag
            cluster["Properties"]["BackupRetentionPeriod"] = 99  # cfn-lint: RDS allows 1-35
        for key in _of_type(template, "AWS::KMS::Key"):  # isolation: dev may use the prod key
            key["Properties"]["KeyPolicy"]["Statement"].append(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{NONPROD_ACCOUNT}:root"},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                }
            )
        for policy in _of_type(template, "AWS::IAM::Policy"):  # chain, rules: connect as anyone
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                if statement.get("Action") == "rds-db:connect":
                    statement["Resource"] = "*"
        path.write_text(json.dumps(template, indent=1))


@pytest.fixture(scope="module")
def broken(innovate_synth: Synthesis, tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    """The production half of innovate's synthesis, broken, checked with every layer."""
    copy = tmp_path_factory.mktemp("broken") / "cdk.out"
    shutil.copytree(innovate_synth.outdir / "prod", copy / "prod")
    manifest = json.loads((innovate_synth.outdir / MANIFEST).read_text())
    manifest["stacks"] = [s for s in manifest["stacks"] if s["env"] == "prod"]
    (copy / MANIFEST).write_text(json.dumps(manifest))
    _break_prod(copy / "prod")
    return run_check_cli(INNOVATE, ["--from-cdk-out", str(copy)], copy.parent)


def _errors(run: CheckRun, layer: str) -> set[str]:
    return {
        f["rule_id"]
        for f in run.report["findings"]
        if f["layer"] == layer and f["severity"] == "error"
    }


def test_the_gate_fails(broken: CheckRun) -> None:
    assert broken.exit_code == 1, broken.stderr
    assert broken.report["passed"] is False


def test_our_rules_catch_it(broken: CheckRun) -> None:
    assert {"PGP-003", "PGP-024"} <= _errors(broken, "rules")


def test_the_chain_check_catches_it(broken: CheckRun) -> None:
    assert "CHAIN-006" in _errors(broken, "chain")


def test_the_isolation_proof_catches_it(broken: CheckRun) -> None:
    assert _errors(broken, "isolation")


def test_cdk_nag_catches_it(broken: CheckRun) -> None:
    assert any(rule.startswith("AwsSolutions-RDS") for rule in _errors(broken, "cdk-nag"))


def test_cfn_lint_catches_it(broken: CheckRun) -> None:
    assert "E3034" in _errors(broken, "cfn-lint")


def test_junit_and_sarif_show_the_failures(broken: CheckRun) -> None:
    failing = [f for f in broken.report["findings"] if f["severity"] == "error"]
    failures = sum(int(s.get("failures", "0")) for s in broken.junit.findall("testsuite"))
    assert failures == len(failing)
    levels = [r["level"] for r in broken.sarif["runs"][0]["results"]]
    assert levels.count("error") == len(failing)


def _invoke(*args: str) -> Result:
    """The `pgplat` app in this process (the layers below run on an existing synthesis)."""
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def untagged(innovate_synth: Synthesis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Innovate's synthesis with the production key's tags stripped: one PGP-027 warning."""
    copy = tmp_path_factory.mktemp("untagged") / "cdk.out"
    shutil.copytree(innovate_synth.outdir, copy)
    ((path, template),) = ((p, t) for p, t in _templates(copy / "prod") if "-data." in p.name)
    for key in _of_type(template, "AWS::KMS::Key"):
        key["Properties"].pop("Tags")
    path.write_text(json.dumps(template, indent=1))
    return copy


def _config_with_waiver(tmp_path: Path, expires: date) -> Path:
    waiver = (
        "\ncheck:\n  waivers:\n    - rule: PGP-027\n"
        "      reason: a resource tagged outside pgplat, on purpose, while the test runs\n"
        f"      expires: {expires.isoformat()}\n"
    )
    config = tmp_path / "pgplat.yaml"
    config.write_text(INNOVATE.read_text() + waiver)
    return config


@pytest.mark.parametrize(
    ("days", "exit_code", "remaining"),
    [(30, 0, set()), (-1, 1, {"WAIVER-001", "PGP-027"})],
    ids=["live", "expired"],
)
def test_waivers_from_the_config(
    days: int,
    exit_code: int,
    remaining: set[str],
    untagged: Path,
    tmp_path: Path,
) -> None:
    config = _config_with_waiver(tmp_path, date.today() + timedelta(days=days))
    result = _invoke(
        "-c",
        str(config),
        "-o",
        "json",
        "check",
        "--from-cdk-out",
        str(untagged),
        "--layer",
        "rules",
        "--fail-on",
        "warning",
    )
    assert result.exit_code == exit_code, result.output
    report = json.loads(result.stdout)
    assert {f["rule_id"] for f in report["findings"]} == remaining
    assert bool(report["waived"]) == (days > 0)


def test_the_table_for_people_groups_by_environment(untagged: Path) -> None:
    result = _invoke(
        "-c",
        str(INNOVATE),
        "check",
        "--from-cdk-out",
        str(untagged),
        "--layer",
        "rules",
        "--env",
        "prod",
    )
    assert result.exit_code == 0, result.output
    assert "prod" in result.stdout
    assert "innovate-dev" not in result.stdout
    assert "check passed" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layer", "everything"], "--layer 'everything' is not one of"),
        (["--pack", "pci"], "--pack 'pci' is not one of"),
        (["--env", "staging"], "--env 'staging' is not one of"),
        (["--format", "html"], "--format 'html' is not one of"),
        (["--from-cdk-out", "nowhere"], "holds no CDK cloud assembly"),
    ],
)
def test_bad_options_are_user_errors(args: list[str], message: str) -> None:
    result = _invoke("-c", str(INNOVATE), "check", *args)
    assert isinstance(result.exception, UserError)
    assert message in str(result.exception)


def test_a_user_error_is_one_line_and_exit_code_2(run_cli: RunCli) -> None:
    done = run_cli("-c", str(INNOVATE), "check", "--layer", "everything")
    assert done.returncode == 2
    assert "--layer 'everything' is not one of" in done.stderr
    assert "Traceback" not in done.stderr
