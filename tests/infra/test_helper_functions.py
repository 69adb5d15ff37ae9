"""The Lambdas the CDK adds (default-SG restriction, TGW attachment acceptance) meet the bar of
pgplat's own: tagged, bounded concurrency, logs encrypted with the CMK and retained; so both
examples and `pgplat init`'s starter pass `pgplat check --fail-on warning` (issue 20)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pgplat.config.loader import load_config
from tests.fixtures.policy import CheckRun, run_check_cli


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        k: v["Properties"]
        for k, v in template["Resources"].items()
        if v["Type"] == "AWS::Lambda::Function"
    }


def test_every_function_has_bounded_concurrency_and_an_encrypted_retained_log_group(
    data_template: dict[str, Any],
) -> None:
    resources = data_template["Resources"]
    functions = _functions(data_template)
    assert functions, "every data stack has the default-SG restriction function"
    for logical_id, function in functions.items():
        assert function.get("ReservedConcurrentExecutions", 0) >= 1, logical_id
        group = resources[function["LoggingConfig"]["LogGroup"]["Ref"]]
        assert group["Type"] == "AWS::Logs::LogGroup", logical_id
        assert "KmsKeyId" in group["Properties"], logical_id
        assert group["Properties"]["RetentionInDays"] >= 30, logical_id
        assert group["DeletionPolicy"] == "Retain", logical_id
        assert {t["Key"] for t in function["Tags"]} >= {"owner", "cost-center"}, logical_id


@pytest.mark.parametrize("example", ["innovate", "northwind"])
def test_examples_have_no_warning(example: str, request: pytest.FixtureRequest) -> None:
    run: CheckRun = request.getfixturevalue(f"{example}_check")
    warnings = [f for f in run.report["findings"] if f["severity"] == "warning"]
    assert warnings == []


@pytest.mark.slow
def test_the_starter_passes_check_at_warning(tmp_path: Path) -> None:
    config = tmp_path / "pgplat.yaml"
    subprocess.run([sys.executable, "-m", "pgplat", "init", str(config)], check=True, timeout=120)
    load_config(config)
    run = run_check_cli(
        config, ["--out", str(tmp_path / "cdk.out")], tmp_path, "--fail-on", "warning"
    )
    assert [f for f in run.report["findings"] if f["severity"] != "info"] == []
    assert run.exit_code == 0, run.stderr
