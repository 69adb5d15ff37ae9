"""What `pgplat check` prints for people: the verdict and the counts per layer first, the
acknowledgements as a count unless asked for; piped to a file or a CI log, plain full-width
lines (no box art, nothing cut at 80 columns). Its progress and synth's on stderr, silent
under -q and -o json."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from junitparser import Failure, JUnitXml
from rich.console import Console
from typer.testing import CliRunner

from pgplat.commands.app import app
from pgplat.commands.check import render
from pgplat.infra.app import Synthesis
from pgplat.policy.findings import CHECK_LAYERS, SEVERITY_RANK, Finding
from pgplat.policy.report import Acknowledged, Report
from tests.fixtures.cli import run_main
from tests.fixtures.examples import INNOVATE

BOX = set("─━│┃┄┅┆┇┈┉┊┋┌┍┎┏┐┑┒┓└┕┖┗┘┙┚┛├┝┞┟┠┡┢┣┤┥┦┧┨┩┪┫┬┭┮┯┰┱┲┳┴┵┶┷┸┹┺┻┼╭╮╯╰═║╒╓╔╕╖╗╘╙╚╛╜╝")
LONG_REASON = (
    "accepted while the reporting cluster moves to the new account, see the migration plan "
    "in the platform wiki under databases/2026/reporting-cluster-migration"
)
FINDINGS = st.builds(
    Finding,
    rule_id=st.sampled_from(["PGP-001", "E3012", "CHAIN-1"]),
    severity=st.sampled_from(sorted(SEVERITY_RANK)),
    title=st.just("title"),
    message=st.just("a message"),
    layer=st.sampled_from(CHECK_LAYERS),
    environment=st.sampled_from(["prod", "dev"]),
)
ACKNOWLEDGED = st.builds(
    Acknowledged,
    rule_id=st.sampled_from(["AwsSolutions-IAM4", "W3005"]),
    reason=st.just("a reason long enough to justify it"),
    layer=st.sampled_from(["cdk-nag", "cfn-lint"]),
)


def _rules_only(synthesis: Synthesis) -> list[str]:
    """Check's options for the rules layer over the session's synthesis (cheap to run)."""
    return ["--no-synth", "--cdk-out", str(synthesis.outdir), "--layer", "rules"]


def _text(report: Report, *, show_acknowledged: bool = False) -> list[str]:
    out = Console(file=io.StringIO(), record=True, width=80, color_system=None, soft_wrap=True)
    """As pgplat's console is when stdout is a file or a pipe."""
    render(report, out, show_acknowledged=show_acknowledged)
    return out.export_text().splitlines()


@settings(max_examples=15, deadline=None)
@given(findings=st.lists(FINDINGS, max_size=10), acknowledged=st.lists(ACKNOWLEDGED, max_size=6))
def test_the_report_leads_with_the_verdict_and_the_counts_per_layer(
    findings: list[Finding], acknowledged: list[Acknowledged]
) -> None:
    report = Report(tuple(findings), (), tuple(acknowledged), "error", CHECK_LAYERS)

    lines = _text(report)

    verdict = "✓ check passed" if report.passed else "✗ check failed"
    assert lines[0].startswith(verdict)
    assert f"{len(acknowledged)} acknowledged" in lines[0]
    assert lines[1] == "per layer"
    assert lines[2].split() == ["layer", "error", "warning", "info", "waived", "acknowledged"]
    for layer, row in zip(CHECK_LAYERS, lines[3 : 3 + len(CHECK_LAYERS)], strict=True):
        counts = Counter(f.severity for f in findings if f.layer == layer)
        acks = sum(1 for a in acknowledged if a.layer == layer)
        expected = [str(counts[s]) for s in ("error", "warning", "info")]
        assert row.split() == [layer, *expected, "0", str(acks)]
    listed = any(line.startswith("Acknowledged in code") for line in lines)
    assert not listed
    assert any("list them with --show-acknowledged" in line for line in lines) == bool(acknowledged)


def test_show_acknowledged_lists_every_rule_and_reason() -> None:
    acknowledged = (
        Acknowledged(
            rule_id="AwsSolutions-IAM4", reason="managed policies are fine", layer="cdk-nag"
        ),
        Acknowledged(rule_id="W3005", reason="redundant DependsOn kept", layer="cfn-lint"),
    )
    report = Report((), (), acknowledged, "error", CHECK_LAYERS)

    lines = _text(report, show_acknowledged=True)

    assert "Acknowledged in code" in lines
    for entry in acknowledged:
        (row,) = [line for line in lines if entry.rule_id in line]
        assert entry.reason in row
    assert not any("--show-acknowledged" in line for line in lines)


@pytest.fixture
def waived_config(tmp_path: Path) -> Path:
    """innovate with an expired waiver whose reason makes a line far wider than 80 columns."""
    config = tmp_path / "pgplat.yaml"
    config.write_text(
        INNOVATE.read_text()
        + f"check:\n  waivers:\n    - rule: PGP-026\n      reason: {LONG_REASON}\n"
        "      expires: 2001-01-01\n"
    )
    return config


def test_piped_output_has_no_box_art_and_no_cut_line(
    waived_config: Path, innovate_synth: Synthesis, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pgplat",
            "-c",
            str(waived_config),
            "check",
            *_rules_only(innovate_synth),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env=env,
    )
    lines = done.stdout.splitlines()
    assert lines, done.stderr
    assert done.returncode == 1, done.stderr
    assert lines[0].startswith("✗ check failed: 1 finding(s) at or above error")
    assert not BOX & set(done.stdout)
    (expired,) = [line for line in lines if "WAIVER-001" in line]
    assert LONG_REASON in expired
    assert max(len(line) for line in lines) > 80
    assert all(line == line.rstrip() for line in lines)
    assert "checking: rules…" in done.stderr.splitlines()


@pytest.mark.parametrize("flags", [["-q"], ["-o", "json"]])
def test_progress_is_silent_under_quiet_and_json(
    flags: list[str],
    waived_config: Path,
    innovate_synth: Synthesis,
    capsys: pytest.CaptureFixture[str],
) -> None:
    where = _rules_only(innovate_synth)
    code, stderr = run_main(capsys, "-c", str(waived_config), "check", *where, *flags)
    assert code == 1
    assert "checking" not in stderr


@pytest.mark.parametrize("quiet", [False, True])
def test_synth_says_its_step_on_stderr_unless_quiet(
    quiet: bool, innovate_synth: Synthesis, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = innovate_synth.outdir
    flags = ["-q"] if quiet else []
    where = ["--cdk-out", str(outdir), "--reuse", "--no-lint", *flags]
    code, stderr = run_main(capsys, "-c", str(INNOVATE), "synth", *where)
    assert code == 0
    step = f"synthesizing prod, dev into {outdir}…"
    assert (step in stderr.splitlines()) is not quiet


@pytest.mark.parametrize("output", ["sarif", "junit"])
def test_o_sarif_and_o_junit_write_the_report_on_stdout(
    output: str, waived_config: Path, innovate_synth: Synthesis
) -> None:
    argv = ["-c", str(waived_config), "check", *_rules_only(innovate_synth), "-o", output]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1, result.output
    if output == "sarif":
        (run,) = json.loads(result.stdout)["runs"]
        (expired,) = [r for r in run["results"] if r["ruleId"] == "WAIVER-001"]
        where = expired["locations"][0]["physicalLocation"]
        line = waived_config.read_text().splitlines()[where["region"]["startLine"] - 1]
        assert line == "    - rule: PGP-026"
    else:
        failures = [r for s in JUnitXml.fromstring(result.stdout) for c in s for r in c.result]
        assert [f.message for f in failures if isinstance(f, Failure)] == [
            f"the waiver for PGP-026 in every environment expired on 2001-01-01 "
            f"(reason given: {LONG_REASON})"
        ]


def test_format_table_still_means_text(waived_config: Path, innovate_synth: Synthesis) -> None:
    argv = ["-c", str(waived_config), "check", *_rules_only(innovate_synth), "--format", "table"]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("✗ check failed")
    assert "--format is deprecated: use -o/--output" in result.stderr
