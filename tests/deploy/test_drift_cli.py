"""`pgplat drift` through the console entry: exit 1 means drift, never "AWS failed"."""

from __future__ import annotations

import pytest

from pgplat.errors import ExitCode
from pgplat.infra.app import Synthesis
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE


def test_an_unreachable_cloudformation_is_not_drift(
    run_cli: RunCli,
    innovate_synth: Synthesis,
    monkeypatch: pytest.MonkeyPatch,
    closed_port: int,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEY000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-that-must-not-show")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")
    done = run_cli(
        "-q", "-c", str(INNOVATE), "drift", "--env", "dev", "--cdk-out", str(innovate_synth.outdir)
    )
    assert done.returncode == ExitCode.AWS_UNREACHABLE, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: AWS cloudformation DetectStackDrift for account 333333333333")
    assert f"could not reach http://127.0.0.1:{closed_port}" in line
    assert "secret-that-must-not-show" not in done.stderr
