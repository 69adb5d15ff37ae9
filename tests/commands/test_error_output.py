"""What `pgplat` prints for errors and warnings is the message itself: user text in square
brackets is never read as rich markup (no vanished text, no hyperlink, no MarkupError)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from pgplat.commands.common import labelled
from pgplat.config.errors import ConfigError
from pgplat.config.loader import parse_config
from tests.fixtures.cli import run_main
from tests.fixtures.examples import INNOVATE

TEXT = INNOVATE.read_text()
BRACKETS = st.text(
    st.sampled_from("[]/=:#@ abclinkredbold-0123'\"\\"), min_size=1, max_size=30
) | st.sampled_from(["[/]", "[link=https://example.com]x[/link]", "[red]", "[bold]a[/bold]", "\\["])
SOME = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _with_region(region: str) -> str:
    return TEXT.replace("region: us-east-1\n", f"region: {json.dumps(region)}\n", 1)


@SOME
@given(region=BRACKETS)
def test_error_lines_print_the_message_exactly(
    region: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "pgplat.yaml"
    file.write_text(_with_region(region), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        parse_config(file.read_text(), str(file))
    code, stderr = run_main(capsys, "config", "validate", str(file))
    assert code == 2
    assert stderr.splitlines() == [f"error: {problem}" for problem in info.value.problems]


@given(message=BRACKETS)
def test_a_labelled_line_renders_its_message_verbatim(message: str) -> None:
    console = Console(record=True, width=200, color_system=None)
    console.print(labelled("warning", "yellow", message), highlight=False, soft_wrap=True)
    assert console.export_text() == f"warning: {message}\n"


def test_a_kubernetes_name_pattern_prints_intact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "pgplat.yaml"
    file.write_text(TEXT.replace("namespace: web,", "namespace: Web_API,", 1), encoding="utf-8")
    code, stderr = run_main(capsys, "-c", str(file), "synth")
    assert code == 2
    assert "database.users[0].kubernetes.namespace" in stderr
    assert "'^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'" in stderr


@pytest.mark.parametrize(
    "region", ["[/]", "[link=https://example.com]click[/link]", "[bold red]x", "eu-[/b]"]
)
def test_markup_in_a_value_is_printed_literally(
    region: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "pgplat.yaml"
    file.write_text(_with_region(region), encoding="utf-8")
    code, stderr = run_main(capsys, "-c", str(file), "config", "explain")
    assert code == 2
    assert f"region: {region!r} is not an AWS region name" in stderr
    assert "\x1b]8;" not in stderr  # no terminal hyperlink


def test_init_over_an_existing_file_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "[red]pgplat.yaml"
    target.write_text("keep me", encoding="utf-8")
    code, stderr = run_main(capsys, "init", str(target))
    assert code == 2
    assert stderr == f"error: {target} exists; pass --force to overwrite it\n"
    assert target.read_text(encoding="utf-8") == "keep me"


def test_check_findings_with_brackets_print_intact() -> None:
    """cfn-lint and rule messages quote patterns and lists; the table must show them whole."""
    from pgplat.commands import check
    from pgplat.policy.findings import Finding
    from pgplat.policy.report import Acknowledged, Report

    finding = Finding(
        rule_id="E3031",
        severity="error",
        title="pattern",
        message="'Db_1' does not match '^[a-z][a-z0-9]*$'",
        fix="rename it like [link=https://example.com]db1[/link]",
        layer="cfn-lint",
        stack="Data[prod]",
        logical_id="Cluster",
    )
    accepted = Acknowledged(rule_id="W1", reason="kept for [bold]reasons[/bold]", layer="rules")
    wide = Console(record=True, width=400, color_system=None)
    report = Report((finding,), (), (accepted,), "error", ("cfn-lint",))
    check.render(report, wide, show_acknowledged=True)
    out = wide.export_text()
    assert "'^[a-z][a-z0-9]*$'" in out
    assert "[link=https://example.com]db1[/link]" in out
    assert "Data[prod]/Cluster" in out
    assert "kept for [bold]reasons[/bold]" in out


def test_a_drill_summary_prints_failure_details_intact(monkeypatch: pytest.MonkeyPatch) -> None:
    """A validation query's error quotes SQL (``array[1]``, ``[a-z]`` patterns) verbatim."""
    import typer

    from pgplat.commands import common, drill
    from pgplat.drills.restore.report import RestoreReport
    from pgplat.validator.suite import CheckResult

    now = datetime.now(UTC)
    report = RestoreReport(
        "d-1",
        "prod",
        source="innovate-prod",
        shape="aurora",
        restore_from="[latest]",
        requested_at=now,
        recovery_point=now,
        checks=[CheckResult("sql", "app.users[0]", False, "ERROR: syntax at [/] near array[1]")],
        leftover=["copy-[x]"],
        outcome="failed",
        message="checks failed: see [bold]details[/bold]",
    )
    wide = Console(record=True, width=400, color_system=None)
    monkeypatch.setattr(common, "console", wide)
    ctx = typer.Context(typer.main.get_command(typer.Typer(callback=lambda: None)))
    ctx.obj = common.State()
    drill._summary(ctx, report, (Path("r.json"), Path("r.md")))
    out = wide.export_text()
    assert "FAILED checks failed: see [bold]details[/bold]" in out
    assert "app.users[0]: ERROR: syntax at [/] near array[1]" in out
    assert "NOT deleted: copy-[x];" in out
