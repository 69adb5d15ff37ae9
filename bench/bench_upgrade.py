"""The upgrade rehearsal's write unavailability (Blue/Green by logical replication) next to
the cut-over a team without pgplat would run: stop writes, pg_dump | pg_restore into the new
major, move the endpoint. Same twin, same data, same probe, same run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pgplat.config.loader import load_config  # noqa: E402
from pgplat.drills.failover.runner import Timing, run_drill  # noqa: E402
from pgplat.local import binaries  # noqa: E402
from pgplat.local.cluster import LocalCluster  # noqa: E402
from pgplat.project import Project  # noqa: E402
from pgplat.upgrade import replication  # noqa: E402
from pgplat.upgrade.local_pair import LocalBlueGreen, superuser_libpq  # noqa: E402
from pgplat.upgrade.rehearsal import RehearsalOptions, endpoint_probe, rehearse  # noqa: E402
from pgplat.upgrade.tools import client_tool  # noqa: E402
from tests.fixtures.postgres import server_root  # noqa: E402

from common import Row  # noqa: E402

ROWS = int(os.environ.get("PGPLAT_BENCH_UPGRADE_ROWS", "1000000"))
TARGET = 17
RATE = 50.0


def _seed(twin: LocalCluster) -> None:
    with psycopg.connect(twin.info().admin_conninfo(), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE app.orders (id bigserial PRIMARY KEY, user_id bigint, total numeric, "
            "created_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(
            f"INSERT INTO app.orders (user_id, total) SELECT g % 1000, g * 1.5 "
            f"FROM generate_series(1, {ROWS}) g"
        )
        conn.execute("CREATE TABLE app.users (id bigserial PRIMARY KEY, name text)")
        conn.execute("INSERT INTO app.users (name) SELECT 'u' || g FROM generate_series(1, 1000) g")


class DumpRestoreCutover:
    """The cut-over without replication: blue stops writes, its database is piped through
    pg_dump | pg_restore into green, the endpoint moves."""

    def __init__(self, pair: LocalBlueGreen) -> None:
        self.pair = pair

    @property
    def target(self) -> str:
        return "blue"

    def fail_over(self) -> str:
        dbname = self.pair.dbname
        blue, green = self.pair.blue.info(), self.pair.green.info()
        with psycopg.connect(blue.admin_conninfo(dbname), autocommit=True) as conn:
            replication.stop_writes(conn)
        with psycopg.connect(green.admin_conninfo("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(dbname)))
        source, source_env = superuser_libpq(blue, dbname)
        target, target_env = superuser_libpq(green, "postgres")
        dump = subprocess.Popen(
            [str(client_tool("pg_dump")), "--format=custom", source],
            stdout=subprocess.PIPE,
            env=source_env,
        )
        subprocess.run(
            [str(client_tool("pg_restore")), "--create", "--exit-on-error", f"--dbname={target}"],
            stdin=dump.stdout,
            env=target_env,
            check=True,
        )
        assert dump.wait() == 0
        assert self.pair.endpoint is not None
        self.pair.endpoint.repoint(green.port)
        return "green"

    def finish(self) -> None:
        """Nothing to compare: the dump is the copy."""


def _dump_restore(twin: LocalCluster, project: Project) -> tuple[float, int]:
    pair = LocalBlueGreen(twin, project.state / "bench-dump", binaries.newest_embedded(TARGET))
    try:
        pair.make_blue()
        endpoint = pair.open_endpoint()
        probe = endpoint_probe(twin.config, pair.blue.info(), endpoint, "bench-dump", RATE)
        pair.green.up()
        report = run_drill(
            DumpRestoreCutover(pair),
            probe,
            "local",
            RATE,
            Timing(warmup=1.0, settle=1.0, timeout=600),
        )
    finally:
        pair.close()
    assert report.figures is not None
    return report.figures.write_unavailable_seconds, len(report.lost_writes)


def rows() -> list[Row]:
    config = load_config(ROOT / "examples" / "innovate-inc.yaml")
    root = server_root("bench-upgrade")
    project = Project(root)
    twin = LocalCluster(config, project.local, port=0)
    try:
        twin.up()
        _seed(twin)
        options = RehearsalOptions(TARGET, rate=RATE, warmup=1.0, timeout=600, reports=root / "r")
        report, _ = rehearse(config, project, options, say=lambda _: None)
        assert report.switchover is not None
        assert report.switchover.figures is not None
        ours = report.switchover.figures.write_unavailable_seconds
        lost = len(report.switchover.lost_writes)
        theirs, their_lost = _dump_restore(twin, project)
    finally:
        twin.destroy()
        shutil.rmtree(root, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%H:%M")
    return [
        Row(
            f"major upgrade 14->{TARGET}, {ROWS:,} rows: write unavailability ({stamp})",
            f"upgrade rehearse ({lost} lost; sync {report.sync_seconds:.1f} s beforehand)",
            ours,
            f"pg_dump | pg_restore cut-over ({their_lost} lost)",
            theirs,
            "s",
            "ours << baseline",
        )
    ]
