"""`pgplat k8s manifests`: in-process for what it writes, one real process for the exit code."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner, Result

from pgplat.commands.app import app
from pgplat.errors import UserError
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE, NORTHWIND


def _pgplat(*args: str) -> Result:
    return CliRunner().invoke(app, ["-q", *args])


def test_writes_manifests_from_explicit_hosts(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    args = ("k8s", "manifests", "--out", str(out), "--writer-host", "w.example")
    result = _pgplat("-c", str(INNOVATE), *args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "analytics-reporting.yaml",
        "kustomization.yaml",
        "web-web-api.yaml",
    ]
    config_map = list(yaml.safe_load_all((out / "web-web-api.yaml").read_text()))[1]
    assert config_map["data"]["PGPLAT_READER_HOST"] == "w.example", "reader defaults to writer"


def test_reads_endpoints_from_the_cdk_outputs_file(tmp_path: Path) -> None:
    outputs = tmp_path / "cdk-outputs.json"
    outputs.write_text(
        json.dumps({"northwind-prod-data": {"WriterEndpoint": "w.rds", "ReaderEndpoint": "r.rds"}})
    )
    out = tmp_path / "k8s"
    args = ("k8s", "manifests", "--out", str(out), "--outputs", str(outputs))
    result = _pgplat("-c", str(NORTHWIND), "-o", "json", *args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"][-1].endswith("kustomization.yaml")
    config_map = list(yaml.safe_load_all((out / "bi-metabase.yaml").read_text()))[1]
    assert (config_map["data"]["PGHOST"], config_map["data"]["PGPLAT_READER_HOST"]) == (
        "w.rds",
        "r.rds",
    )


def test_unknown_environment_is_a_user_error(tmp_path: Path) -> None:
    args = ("k8s", "manifests", "--env", "dev", "--out", str(tmp_path), "--writer-host", "w")
    result = _pgplat("-c", str(NORTHWIND), *args)
    assert isinstance(result.exception, UserError)
    assert "environment dev is not configured" in str(result.exception)


def test_without_endpoints_says_how_to_get_them_and_exits_2(
    run_cli: RunCli, tmp_path: Path
) -> None:
    done = run_cli("-c", str(INNOVATE), "k8s", "manifests", "--out", str(tmp_path / "k8s"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "--outputs" in errors[0]
