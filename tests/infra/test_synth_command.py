"""`pgplat synth`: stacks listed, JSON for machines, unknown environments exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pgplat.commands.app import app
from pgplat.infra.app import Synthesis
from tests.fixtures.examples import NORTHWIND

runner = CliRunner()


def test_synth_reuses_an_unchanged_synthesis(northwind_synth: Synthesis) -> None:
    result = runner.invoke(
        app,
        [
            "-c",
            str(NORTHWIND),
            "-o",
            "json",
            "synth",
            "--out",
            str(northwind_synth.outdir),
            "--reuse",
            "--no-lint",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["reused"] is True
    assert report["config_hash"] == northwind_synth.config_hash
    assert {s["name"]: s["role"] for s in report["stacks"]}["northwind-prod-data"] == "data"


def test_synth_of_an_unconfigured_environment_is_a_user_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["-c", str(NORTHWIND), "synth", "--env", "dev", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0
    assert "environment dev is not configured" in str(result.exception)
