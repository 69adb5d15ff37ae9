"""`pgplat k8s manifests` end to end, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE, NORTHWIND


def test_writes_manifests_from_explicit_hosts(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    done = run_cli(
        "-c", str(INNOVATE), "k8s", "manifests", "--out", str(out), "--writer-host", "w.example"
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "analytics-reporting.yaml",
        "kustomization.yaml",
        "web-web-api.yaml",
    ]
    config_map = list(yaml.safe_load_all((out / "web-web-api.yaml").read_text()))[1]
    assert config_map["data"]["PGPLAT_READER_HOST"] == "w.example", "reader defaults to writer"


def test_reads_endpoints_from_the_cdk_outputs_file(run_cli: RunCli, tmp_path: Path) -> None:
    outputs = tmp_path / "cdk-outputs.json"
    outputs.write_text(
        json.dumps({"northwind-prod-data": {"WriterEndpoint": "w.rds", "ReaderEndpoint": "r.rds"}})
    )
    out = tmp_path / "k8s"
    done = run_cli(
        "-c",
        str(NORTHWIND),
        "-o",
        "json",
        "k8s",
        "manifests",
        "--out",
        str(out),
        "--outputs",
        str(outputs),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files"][-1].endswith("kustomization.yaml")
    config_map = list(yaml.safe_load_all((out / "bi-metabase.yaml").read_text()))[1]
    assert (config_map["data"]["PGHOST"], config_map["data"]["PGPLAT_READER_HOST"]) == (
        "w.rds",
        "r.rds",
    )


def test_without_endpoints_says_how_to_get_them(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli("-c", str(INNOVATE), "k8s", "manifests", "--out", str(tmp_path / "k8s"))
    assert done.returncode == 2
    assert "--outputs" in done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1


def test_unknown_environment_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli(
        "-c",
        str(NORTHWIND),
        "k8s",
        "manifests",
        "--env",
        "dev",
        "--out",
        str(tmp_path),
        "--writer-host",
        "w",
    )
    assert done.returncode == 2
    assert "environment dev is not configured" in done.stderr
