"""Whole reports kept by `pgplat check`: an unchanged check replays exactly the report a full
run makes, without loading the configuration's model; any change to a file the report was
computed from, to the question, the code or the day runs the check in full; and a report is
never kept from files that changed while it was computed."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.policy import verdicts
from pgplat.policy.assembly import Assembly
from pgplat.policy.findings import CHECK_LAYERS
from pgplat.policy.gate import run_check
from pgplat.policy.report import Acknowledged, Report
from pgplat.policy.verdicts import VERDICTS_FILE, Question, Verdicts, digests
from pgplat.policy.waivers import Waived
from tests.fixtures.examples import INNOVATE
from tests.fixtures.policy import FINDINGS, CheckRun
from tests.fixtures.synth import copied_synthesis

TODAY = date(2026, 12, 1)
MODEL = "pgplat.config.model"
"""The configuration's pydantic model: what an unchanged check no longer builds."""


@dataclasses.dataclass
class World:
    """A copied northwind synthesis with its configuration file: a question about it, the
    report a full run gives, and the digests of the files that report was computed from."""

    config_file: Path
    assembly: Assembly
    question: Question
    report: Report

    @property
    def files(self) -> dict[str, str | None]:
        absent = self.config_file.parent / "ca-bundle.pem"  # named, not there: None
        return {**digests([self.config_file, absent]), **self.assembly.read}

    def kept(self) -> Verdicts:
        store = Verdicts(self.question.cdk_out)
        store.keep(self.question, TODAY, self.report, notices=["a notice"], files=self.files)
        return store


def _world(northwind: PgplatConfig, synthesis: Synthesis, folder: Path) -> World:
    copied = copied_synthesis(synthesis, folder)
    (copied.outdir / VERDICTS_FILE).unlink(missing_ok=True)
    config_file = folder / "pgplat.yaml"
    config_file.write_text("name: northwind\n")
    assembly = Assembly.of_synthesis(copied, northwind)
    report = run_check(northwind, assembly, layers=("rules", "chain"), today=TODAY)
    question = Question(
        config_file, folder, copied.outdir, ("rules", "chain"), ("aws-solutions",), (), None
    )
    return World(config_file, assembly, question, report)


@pytest.fixture
def world(northwind: PgplatConfig, northwind_synth: Synthesis, tmp_path: Path) -> World:
    return _world(northwind, northwind_synth, tmp_path)


def test_a_kept_report_is_recalled_whole(world: World) -> None:
    recalled = world.kept().recall(world.question, TODAY)
    assert recalled is not None
    assert recalled.report == world.report
    assert recalled.report.to_dict() == world.report.to_dict()
    assert recalled.notices == ("a notice",)


def _edit(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"\n")


def _bundle(world: World) -> None:
    (world.config_file.parent / "ca-bundle.pem").write_text("-----BEGIN CERTIFICATE-----\n")


def _new_assembly(world: World) -> None:
    extra = world.question.cdk_out / "staging"
    extra.mkdir()
    (extra / "manifest.json").write_text('{"artifacts": {}}')


CHANGES: dict[str, Callable[[World, int], None]] = {
    "a file read is edited": lambda w, i: _edit(Path(sorted(w.assembly.read)[i])),
    "a file read is removed": lambda w, i: Path(sorted(w.assembly.read)[i]).unlink(),
    "the configuration is edited": lambda w, i: _edit(w.config_file),
    "a file that was absent appears": lambda w, i: _bundle(w),
    "an assembly appears in the folder": lambda w, i: _new_assembly(w),
}
"""Changes to what a report was computed from, on disk (``i`` picks one of the files read)."""


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(change=st.sampled_from(sorted(CHANGES)), pick=st.integers(min_value=0))
def test_any_change_to_what_a_report_was_computed_from_runs_the_check(
    northwind: PgplatConfig,
    northwind_synth: Synthesis,
    tmp_path_factory: pytest.TempPathFactory,
    change: str,
    pick: int,
) -> None:
    w = _world(northwind, northwind_synth, tmp_path_factory.mktemp("world"))
    store = w.kept()
    CHANGES[change](w, pick % len(w.assembly.read))
    assert store.recall(w.question, TODAY) is None
    assert Verdicts(w.question.cdk_out).recall(w.question, TODAY) is None


@pytest.mark.parametrize(
    "field", [f.name for f in dataclasses.fields(Question)], ids=lambda name: name
)
def test_another_question_is_not_answered_by_the_kept_report(world: World, field: str) -> None:
    other: dict[str, Any] = {
        "config_file": world.config_file.with_name("other.yaml"),
        "project_root": world.config_file.parent / "elsewhere",
        "cdk_out": world.question.cdk_out / "prod",
        "layers": CHECK_LAYERS,
        "packs": ("hipaa",),
        "environments": ("prod",),
        "fail_on": "warning",
    }
    store = world.kept()
    assert store.recall(dataclasses.replace(world.question, **{field: other[field]}), TODAY) is None


@pytest.mark.parametrize("code", ["running_source", "asset_environment", "linter_versions"])
def test_other_code_or_another_day_does_not_replay_the_report(
    world: World, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = world.kept()
    assert store.recall(world.question, TODAY + timedelta(days=1)) is None
    original = getattr(verdicts, code)
    monkeypatch.setattr(verdicts, code, lambda: {"changed": str(original())})
    assert store.recall(world.question, TODAY) is None


def test_a_report_kept_by_relative_paths_is_known_by_the_files_they_named(
    world: World, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept from the project's folder with relative paths (``-c pgplat.yaml --cdk-out
    cdk.out``), a report is recalled by the same files named absolute or through ``..``;
    from another folder
    holding copies of them, an edit to the originals still runs the check."""
    project = world.config_file.parent
    monkeypatch.chdir(project)
    relative = dataclasses.replace(
        world.question,
        config_file=Path(world.config_file.name),
        cdk_out=Path(os.path.relpath(world.question.cdk_out)),
    )
    files = {os.path.relpath(path): digest for path, digest in world.files.items()}
    Verdicts(relative.cdk_out).keep(relative, TODAY, world.report, notices=[], files=files)
    assert Verdicts(world.question.cdk_out).recall(world.question, TODAY) is not None
    roundabout = world.question.cdk_out / ".." / world.config_file.name
    asked = dataclasses.replace(world.question, config_file=roundabout)
    assert Verdicts(world.question.cdk_out).recall(asked, TODAY) is not None
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copytree(project, elsewhere, dirs_exist_ok=True)
    monkeypatch.chdir(elsewhere)
    _edit(world.config_file)
    assert Verdicts(world.question.cdk_out).recall(world.question, TODAY) is None


def test_no_report_is_kept_from_files_that_changed_while_it_was_computed(world: World) -> None:
    files = world.files
    _edit(world.config_file)  # after its digest was taken, before the report was kept
    store = Verdicts(world.question.cdk_out)
    store.keep(world.question, TODAY, world.report, notices=[], files=files)
    assert not (world.question.cdk_out / VERDICTS_FILE).exists()
    _new_assembly(world)  # an assembly the report was not computed from
    store.keep(world.question, TODAY, world.report, notices=[], files=world.files)
    assert not (world.question.cdk_out / VERDICTS_FILE).exists()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(part=st.sampled_from(["files", "assemblies", "notices", "report"]), value=JSON)
def test_a_damaged_entry_is_a_miss_never_an_error(world: World, part: str, value: Any) -> None:
    world.kept()
    path = world.question.cdk_out / VERDICTS_FILE
    stored = json.loads(path.read_text())
    (key,) = stored
    stored[key][part] = value
    path.write_text(json.dumps(stored))
    recalled = Verdicts(world.question.cdk_out).recall(world.question, TODAY)
    if part in ("files", "assemblies"):  # what it was computed from is no longer known
        assert recalled is None
    elif recalled is not None:  # the part still reads as one, and the files are unchanged
        assert recalled.report == world.report
        assert all(isinstance(line, str) for line in recalled.notices)


@settings(max_examples=40, deadline=None)
@given(
    findings=st.lists(FINDINGS, max_size=6),
    waived=st.lists(st.tuples(FINDINGS, st.text(min_size=10, max_size=30), st.dates())),
    acknowledged=st.lists(
        st.builds(Acknowledged, rule_id=st.text(max_size=8), reason=st.text(), layer=st.text()),
        max_size=3,
    ),
    fail_on=st.sampled_from(["error", "warning", "info"]),
)
def test_a_report_reads_back_as_it_was_stored(
    findings: list[Any], waived: list[Any], acknowledged: list[Acknowledged], fail_on: Any
) -> None:
    report = Report(
        tuple(findings),
        tuple(Waived(f, reason, expires) for f, reason, expires in waived),
        tuple(acknowledged),
        fail_on,
        CHECK_LAYERS,
        {"pgplat-prod-data": Path("/x/prod/pgplat-prod-data.template.json")},
    )
    stored = json.loads(json.dumps(report.stored()))
    assert Report.from_stored(stored) == report


def _cli(
    config: Path, cdk_out: Path, cwd: Path, *options: str, output: str = "text"
) -> tuple[Any, set[str]]:
    """`pgplat check` as CI runs it: its exit code, stdout, the SARIF and JUnit it wrote and
    what it said on stderr; and the modules it imported."""
    sarif, junit = cwd / "check.sarif", cwd / "check.xml"
    reports = ["--sarif", str(sarif), "--junit", str(junit)]
    command = ["-m", "pgplat", "-c", str(config), "-o", output, "check", "--cdk-out", str(cdk_out)]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *command, *reports, *options],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=600,
    )
    timing = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    imported = {line.rsplit("|", 1)[-1].strip() for line in timing}
    said = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    return (done.returncode, done.stdout, sarif.read_text(), junit.read_text(), said), imported


def test_an_unchanged_check_says_what_the_full_one_said_without_the_model(
    innovate_check: CheckRun, innovate_synth: Synthesis, tmp_path: Path
) -> None:
    """Through the CLI, on a copy of innovate's synthesis with the layers the session's check
    cached there (``innovate_check``: the full runs take a second), no report kept:
    the second run replays the first's output, text, SARIF and JUnit, byte for byte, and
    never builds the configuration's model; an edited configuration is judged again, and a
    waiver added to it is judged."""
    cdk_out = copied_synthesis(innovate_synth, tmp_path).outdir
    (cdk_out / VERDICTS_FILE).unlink(missing_ok=True)
    config = tmp_path / "pgplat.yaml"
    config.write_text(INNOVATE.read_text())
    (code, stdout, sarif, junit, said), imported = _cli(config, cdk_out, tmp_path)
    assert MODEL in imported
    assert any(line.startswith("checking: ") for line in said), said
    again, imported = _cli(config, cdk_out, tmp_path)
    assert MODEL not in imported
    assert {"aws_cdk", "cfnlint", "jsii"}.isdisjoint(imported)
    assert again[:4] == (code, stdout, sarif, junit)
    notices = [line for line in said if line.startswith("warning: ")]
    assert notices, said  # innovate runs PostgreSQL 14: its support dates are said
    assert again[4] == [*notices, "nothing changed since the last check: its report stands…"]
    config.write_text(INNOVATE.read_text() + "# edited\n")
    edited, imported = _cli(config, cdk_out, tmp_path)
    assert MODEL in imported
    assert edited[:4] == (code, stdout, sarif, junit)
    waiver = "    - rule: PGP-001\n      reason: accepted in this test\n      expires: 2099-01-01\n"
    config.write_text(f"{INNOVATE.read_text()}check:\n  waivers:\n{waiver}")
    report = json.loads(_cli(config, cdk_out, tmp_path, output="json")[0][1])
    assert [f["rule_id"] for f in report["findings"]] == ["WAIVER-002"]  # it waives nothing


def test_a_check_of_assemblies_as_they_are_keeps_no_report_there(
    innovate_synth: Synthesis, tmp_path: Path
) -> None:
    """``--no-synth`` judges an assembly pgplat may not have written: nothing is kept in it,
    and every run judges it afresh."""
    cdk_out = copied_synthesis(innovate_synth, tmp_path).outdir
    (cdk_out / VERDICTS_FILE).unlink(missing_ok=True)
    for _ in range(2):
        _, imported = _cli(INNOVATE, cdk_out, tmp_path, "--no-synth", "--layer", "rules")
        assert MODEL in imported
    assert not (cdk_out / VERDICTS_FILE).exists()
