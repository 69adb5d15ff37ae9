"""`pgplat drill failover --env local` against a real primary and streaming standby: the
figures are reported, no acknowledged write is lost, the figures agree with the probe's log,
and the pair is put back as it was."""

from __future__ import annotations

import json
import threading
import time
from itertools import pairwise
from pathlib import Path

import psycopg
import pytest

from pgplat.drills.failover.local import LocalFailover, standby_of
from pgplat.drills.failover.probe import PROBE_TABLE, THREAD_PREFIX, Probe
from pgplat.drills.failover.runner import Timing, run_drill
from pgplat.local.cluster import LocalCluster
from tests.fixtures.examples import INNOVATE
from tests.fixtures.failover import RunPgplat


def _config_with_local_dir(data_dir: Path) -> Path:
    """A configuration beside the server folder: a data_dir is relative, inside the project."""
    text = INNOVATE.read_text().replace(
        "  local:\n    port: 5432", f"  local:\n    port: 5432\n    data_dir: {data_dir.name}"
    )
    assert f"data_dir: {data_dir.name}" in text
    path = data_dir.parent / "pgplat.yaml"
    path.write_text(text)
    return path


def test_local_drill_reports_figures_that_the_probe_log_confirms(
    failover_pair: LocalCluster,
    tmp_path: Path,
    pgplat_main: RunPgplat,
) -> None:
    config = _config_with_local_dir(failover_pair.root)
    reports = tmp_path / "reports"
    code, out, err = pgplat_main(
        "-c",
        str(config),
        "-o",
        "json",
        "drill",
        "failover",
        "--env",
        "local",
        "--rate",
        "50",
        "--warmup",
        "1",
        "--reports",
        str(reports),
    )
    assert code == 0, out + err
    report = json.loads(out)
    figures = report["figures"]
    assert report["outcome"] == "passed"
    assert report["lost_writes"] == []
    assert figures["errors"] == 0
    assert figures["failover_signals"] >= 1
    assert 0 < figures["detection_seconds"] < 2
    assert 0 < figures["write_unavailable_seconds"] < 5
    assert 0 < figures["read_unavailable_seconds"] < 5

    # The same figures, recomputed here from the probe's own log.
    log = [
        json.loads(line)
        for line in (reports / f"{report['drill_id']}.probe.jsonl").read_text().splitlines()
    ]
    triggered, ended = report["triggered_at"], report["ended_at"]
    writes = [e["at"] for e in log if e["kind"] == "write"]
    reads = [e["at"] for e in log if e["kind"] == "read"]
    first_trouble = min(e["at"] for e in log if e["kind"] == "signal" and e["at"] >= triggered)

    def longest_outage(acks: list[float]) -> float:
        ends = [*acks, ended]
        return float(max(b - a for a, b in pairwise(ends) if b > triggered))

    assert figures["writes_acknowledged"] == len(writes)
    assert figures["reads"] == len(reads)
    assert figures["errors"] == sum(1 for e in log if e["kind"] == "error")
    assert figures["detection_seconds"] == pytest.approx(first_trouble - triggered, abs=1e-3)
    assert figures["write_unavailable_seconds"] == pytest.approx(longest_outage(writes), abs=1e-3)
    assert figures["read_unavailable_seconds"] == pytest.approx(longest_outage(reads), abs=1e-3)
    sequences = [e["seq"] for e in log if e["kind"] == "write"]
    assert sequences == list(range(1, len(sequences) + 1)), "every write was acknowledged"
    assert any(at > triggered + figures["detection_seconds"] for at in writes)

    markdown = (reports / f"{report['drill_id']}.md").read_text()
    assert f"| writes unavailable | {figures['write_unavailable_seconds']:.2f} s |" in markdown
    assert "| acknowledged writes lost | 0 |" in markdown

    # The pair is back: the primary serves, the standby streams from it, no probe rows stay.
    standby = standby_of(failover_pair)
    with psycopg.connect(standby.info().admin_conninfo(), autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
    with psycopg.connect(failover_pair.info().admin_conninfo(), autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
        assert conn.execute(
            f"SELECT count(*) FROM app.{PROBE_TABLE} WHERE drill = %s", [report["drill_id"]]
        ).fetchone() == (0,)


class CtrlCAtFailover(LocalFailover):
    """The local failover, interrupted by the operator just as it starts."""

    def fail_over(self) -> str:
        raise KeyboardInterrupt


def test_ctrl_c_stops_the_probe_and_leaves_the_pair_intact(failover_pair: LocalCluster) -> None:
    trigger = CtrlCAtFailover(failover_pair, standby_of(failover_pair))
    probe = Probe(
        "drill-interrupted",
        "app",
        rate=50,
        connection=trigger.client_settings("web"),
        env_file=None,
    )
    try:
        report = run_drill(trigger, probe, "local", 50, Timing(warmup=0.5))
    finally:
        trigger.endpoint.close()
    assert report.outcome == "interrupted"
    assert not [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]
    assert report.figures is not None
    assert report.figures.writes_acknowledged > 0
    assert report.lost_writes == []
    with psycopg.connect(failover_pair.info().admin_conninfo(), autocommit=True) as conn:
        assert conn.execute(
            f"SELECT count(*) FROM app.{PROBE_TABLE} WHERE drill = 'drill-interrupted'"
        ).fetchone() == (0,)


def test_prod_needs_yes_prod_on_the_command_line(pgplat_main: RunPgplat) -> None:
    code, _, err = pgplat_main("-c", str(INNOVATE), "drill", "failover", "--env", "prod")
    assert code == 2
    assert "pass --yes-prod" in err
    assert "Traceback" not in err


class StandbyCutOffFailover(LocalFailover):
    """A failover after the standby stopped receiving WAL: writes acknowledged meanwhile by
    the (asynchronously replicating) primary exist nowhere once the standby is promoted."""

    def fail_over(self) -> str:
        with psycopg.connect(self.standby.info().admin_conninfo(), autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET primary_conninfo = ''")
            conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        return super().fail_over()


def test_writes_lost_in_a_failover_fail_the_drill(failover_pair: LocalCluster) -> None:
    trigger = StandbyCutOffFailover(failover_pair, standby_of(failover_pair))
    probe = Probe(
        "drill-lossy", "app", rate=50, connection=trigger.client_settings("web"), env_file=None
    )
    try:
        report = run_drill(trigger, probe, "local", 50, Timing(warmup=0.5))
    finally:
        trigger.endpoint.close()
    assert report.outcome == "failed"
    assert report.lost_writes, "writes acknowledged after the standby was cut off are gone"
    acknowledged = [e.seq for e in report.log.events if e.kind == "write"]
    assert set(report.lost_writes) <= set(acknowledged)
    assert "| acknowledged writes lost | " + str(len(report.lost_writes)) in report.to_markdown()
