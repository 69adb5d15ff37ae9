"""Blue and green on this machine: the data plane of a rehearsal, and of tests of the AWS path.

Blue is an exact copy of the twin (a cold copy: the twin restarts once, and nothing in it
changes) with logical replication on; green a new server of the target major that shares the
twin's passwords and CA, so clients log in to and verify both alike. Green gets blue's schema
(pg_dump/pg_restore 18), then its rows by logical replication. A local endpoint plays the
DNS name Blue/Green moves at the switchover.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from pgplat.drills.failover.endpoint import Forwarder
from pgplat.local.binaries import Binaries
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.home import claim, delete_ours
from pgplat.local.passwords import SUPERUSER
from pgplat.local.standby import make_sibling, make_standby, promote
from pgplat.sql import PROBE_TABLE
from pgplat.upgrade import replication
from pgplat.upgrade.comparison import differences, fingerprints
from pgplat.upgrade.report import UpgradeReport
from pgplat.upgrade.tools import run_tool
from pgplat.validator.suite import run_suite

SCHEMA_DUMP = "schema.dump"


def superuser_libpq(info: ServerInfo, dbname: str) -> tuple[str, dict[str, str]]:
    """A superuser conninfo over ``info``'s socket without the password, and the environment
    that carries it (so it never appears in a command line)."""
    conninfo = psycopg.conninfo.make_conninfo(
        host=str(info.socket_dir), port=info.port, dbname=dbname, user=SUPERUSER
    )
    return conninfo, {"PGPASSWORD": info.passwords[SUPERUSER], "PATH": "/usr/bin:/bin"}


class LocalBlueGreen:
    """Blue (a copy of ``twin``) and green (``target``) under ``work``, a folder of pgplat's.

    Call in order: ``make_blue``, ``open_endpoint``, ``make_green``, ``replicate``,
    ``switch_over``, ``compare``, and ``keep_green`` to make green the twin; ``close`` always
    (it deletes what is left of both servers, and ``work``).
    """

    def __init__(self, twin: LocalCluster, work: Path, target: Binaries) -> None:
        self.twin, self.work = twin, work
        self.dbname = twin.config.database.name
        self.blue = LocalCluster(twin.config, work / "blue", binaries=twin.binaries, port=0)
        stale_green = LocalCluster(twin.config, work / "green", binaries=target, port=0)
        self._clear((self.blue, stale_green))  # what an interrupted run left behind
        claim(work, 0o700)
        self.green = make_sibling(twin, work / "green", target)
        self.endpoint: Forwarder | None = None

    def _clear(self, clusters: tuple[LocalCluster, ...]) -> None:
        for cluster in clusters:
            cluster.destroy()
        delete_ours(self.work, (SCHEMA_DUMP,))

    def close(self) -> None:
        if self.endpoint is not None:
            self.endpoint.close()
        self._clear((self.blue, self.green))

    def _connect(
        self, cluster: LocalCluster, dbname: str | None = None
    ) -> psycopg.Connection[tuple[Any, ...]]:
        return psycopg.connect(
            cluster.info().admin_conninfo(dbname or self.dbname), autocommit=True
        )

    def make_blue(self) -> ServerInfo:
        """Blue: a promoted cold copy of the twin, restarted with wal_level logical."""
        make_standby(self.twin, self.blue.root)
        promote(self.blue)
        with self._connect(self.blue, "postgres") as conn:
            conn.execute("ALTER SYSTEM SET wal_level = logical")
        self.blue.down()
        return self.blue.up()

    def open_endpoint(self) -> Forwarder:
        """The endpoint the application connects to: blue's until the switchover."""
        self.endpoint = Forwarder(self.blue.info().port)
        return self.endpoint

    def make_green(self) -> ServerInfo:
        """Green started, its application database recreated from blue's schema."""
        green_info = self.green.up()
        dump = self.work / SCHEMA_DUMP
        source, env = superuser_libpq(self.blue.info(), self.dbname)
        run_tool(
            "pg_dump",
            ["--schema-only", "--create", "--format=custom", f"--file={dump}", source],
            env=env,
        )
        with self._connect(self.green, "postgres") as conn:
            conn.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(self.dbname))
            )
        target, env = superuser_libpq(green_info, "postgres")
        run_tool(
            "pg_restore", ["--create", "--exit-on-error", f"--dbname={target}", str(dump)], env=env
        )
        return green_info

    def replicate(self, timeout: float) -> float:
        """Publish on blue, subscribe on green; the seconds the initial copy took."""
        with self._connect(self.blue) as publisher, self._connect(self.green) as subscriber:
            replication.publish(publisher)
            replication.subscribe(subscriber, self.blue.info().admin_conninfo(self.dbname))
            return replication.wait_for(
                lambda: replication.initial_sync_done(subscriber), timeout, "green's initial sync"
            )

    def switch_over(self, report: UpgradeReport, timeout: float) -> int:
        """Blue/Green's switchover: blue refuses writes, green catches up and takes blue's
        sequences, the subscription goes, the endpoint moves; green's port."""
        with self._connect(self.blue) as blue, self._connect(self.green) as green:
            report.lag_bytes = replication.lag_bytes(blue)
            replication.stop_writes(blue)
            last = replication.current_lsn(blue)
            report.catch_up_seconds = replication.wait_for(
                lambda: replication.caught_up(blue, last), timeout, "green catching up"
            )
            report.sequences_copied = replication.copy_sequences(blue, green)
            replication.detach(green)
        port = self.green.info().port
        if self.endpoint is not None:
            self.endpoint.repoint(port)
        return port

    def compare(self, report: UpgradeReport) -> None:
        """Green against blue (now still), table by table, and the validation suite on both,
        so what the upgrade broke stands apart from what never held on the twin's data."""
        with self._connect(self.blue) as blue, self._connect(self.green) as green:
            probe_table = f"{self.twin.config.database.schema_name}.{PROBE_TABLE}"
            found = differences(fingerprints(blue), fingerprints(green))
            report.differences = [d.describe() for d in found if d.table != probe_table]
            test = self.twin.config.environments.prod.backup.restore_test
            if test is not None:
                now = datetime.now(UTC)
                report.suite_on_blue = run_suite(blue, test.validation, now)
                report.suite = run_suite(green, test.validation, now)

    def keep_green(self, drill_id: str) -> ServerInfo:
        """Green becomes the twin (`upgrade rehearse --keep`), without the rehearsal's probe
        rows (the probe table itself is the bootstrap's, as on the twin)."""
        probe_table = sql.Identifier(self.twin.config.database.schema_name, PROBE_TABLE)
        with self._connect(self.green) as green:
            green.execute(
                sql.SQL("DELETE FROM {} WHERE drill = %s").format(probe_table), [drill_id]
            )
        if self.endpoint is not None:
            self.endpoint.close()
            self.endpoint = None
        self.blue.down()
        return self.twin.adopt(self.green)
