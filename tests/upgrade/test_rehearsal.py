"""`upgrade rehearse` on real servers of two majors: 14 -> 17 and 14 -> 18, real data, a probe.

One twin (PostgreSQL 14, the innovate example) serves the module; each test leaves it as it
found it, which is the property under test: a rehearsal never changes the twin.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from pgplat.errors import UserError
from pgplat.local.cluster import LocalCluster
from pgplat.project import Project
from pgplat.upgrade.rehearsal import WORKDIR, RehearsalOptions, rehearse
from pgplat.upgrade.report import UpgradeReport
from pgplat.validator.suite import CheckResult, SuiteResult
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE

pytestmark = pytest.mark.slow


def _twin_rows(cluster: LocalCluster) -> tuple[object, ...]:
    with psycopg.connect(cluster.info().admin_conninfo()) as conn:
        row = conn.execute(
            "SELECT current_setting('server_version_num')::int / 10000, "
            "(SELECT count(*) FROM app.users), (SELECT count(*) FROM app.orders), "
            "(SELECT count(*) FROM pg_publication)"
        ).fetchone()
    assert row is not None
    return tuple(row)


def _rehearse(twin: tuple[LocalCluster, Project], to: int, tmp_path: Path) -> UpgradeReport:
    cluster, project = twin
    before = _twin_rows(cluster)
    options = RehearsalOptions(to, rate=20, warmup=1.0, timeout=60, reports=tmp_path)
    report, paths = rehearse(cluster.config, project, options, say=lambda _: None)
    assert _twin_rows(cluster) == before, "the rehearsal changed the twin"
    assert not (project.state / WORKDIR).exists(), "blue and green were left behind"
    assert {p.suffix for p in paths} == {".json", ".md", ".jsonl"}
    assert json.loads(paths[0].read_text())["outcome"] == report.outcome
    return report


def test_14_to_17_moves_every_row_and_loses_no_write(
    twin: tuple[LocalCluster, Project], tmp_path: Path
) -> None:
    report = _rehearse(twin, 17, tmp_path)
    assert report.passed, (report.message, report.differences, report.regressions)
    assert report.target.startswith("17.")
    switch = report.switchover
    assert switch is not None
    assert switch.figures is not None
    assert switch.lost_writes == []
    assert switch.figures.writes_acknowledged > 0
    assert switch.figures.errors == 0
    assert report.sequences_copied >= 2  # users_id_seq, orders_id_seq
    assert report.sync_seconds is not None
    assert report.catch_up_seconds is not None
    assert report.lag_bytes is not None
    assert report.lag_bytes >= 0
    assert report.suite is not None
    assert report.suite.passed


def test_14_to_18_reports_a_table_without_primary_key_as_a_failed_prerequisite(
    twin: tuple[LocalCluster, Project], tmp_path: Path
) -> None:
    cluster, _ = twin
    with psycopg.connect(cluster.info().admin_conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE app.events (at timestamptz, body text)")
        conn.execute("INSERT INTO app.events SELECT now(), 'e' FROM generate_series(1, 10)")
    try:
        report = _rehearse(twin, 18, tmp_path)
    finally:
        with psycopg.connect(cluster.info().admin_conninfo(), autocommit=True) as conn:
            conn.execute("DROP TABLE app.events")
    assert report.outcome == "failed"
    assert [p.check for p in report.failed_prerequisites] == ["replica-identity"]
    assert "app.events" in report.failed_prerequisites[0].detail
    assert report.target.startswith("18.")
    assert report.switchover is not None
    assert report.switchover.lost_writes == []
    assert report.differences == []  # nothing wrote to the table: the copy still matches


def test_a_folder_that_is_not_pgplats_is_refused_and_left_alone(
    twin: tuple[LocalCluster, Project], tmp_path: Path
) -> None:
    cluster, project = twin
    foreign = project.state / WORKDIR
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("mine")
    try:
        with pytest.raises(UserError, match="not made by pgplat"):
            rehearse(cluster.config, project, RehearsalOptions(17), say=lambda _: None)
        assert (foreign / "notes.txt").read_text() == "mine"
    finally:
        shutil.rmtree(foreign)


def test_without_a_running_twin_it_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copy(INNOVATE, tmp_path / "pgplat.yaml")
    result = run_cli("upgrade", "rehearse", "--to", "17")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: the local server")
    assert "pgplat dev up" in result.stderr


def _suite(*passed: bool) -> SuiteResult:
    return SuiteResult(tuple(CheckResult("table", f"t{i}", ok, "") for i, ok in enumerate(passed)))


def test_only_checks_that_held_on_blue_count_against_the_upgrade() -> None:
    report = UpgradeReport("d", "local", "14.19", "18.4", datetime.now(UTC))
    report.suite_on_blue = _suite(True, False, True)
    report.suite = _suite(True, False, False)
    assert report.regressions == ["table t2: "]
