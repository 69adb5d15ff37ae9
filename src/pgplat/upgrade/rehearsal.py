"""`pgplat upgrade rehearse`: a Blue/Green major upgrade, played on the local twin's data.

It does what RDS does for a major upgrade, on two local servers: blue is an exact copy of the
twin (a cold copy: the twin restarts once, and nothing in it changes), green a new server of
the target major sharing the twin's passwords and CA. Green gets blue's schema, then its data
by logical replication, while the failover drill's probe writes and reads through a local
endpoint. The switchover is Blue/Green's: blue refuses writes, green catches up, sequences are
carried over, the endpoint moves to green. Then green is compared with blue table by table
and the configured validation suite runs on it. Both servers are deleted afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from pgplat.client.settings import ENV_VARS
from pgplat.config.model import PgplatConfig
from pgplat.drills.failover.endpoint import Forwarder
from pgplat.drills.failover.local import ENDPOINT_HOST
from pgplat.drills.failover.probe import PROBE_TABLE, Probe
from pgplat.drills.failover.runner import Timing, run_drill
from pgplat.errors import UserError
from pgplat.local import binaries
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.envfile import app_user
from pgplat.local.home import claim, delete_ours
from pgplat.local.passwords import SUPERUSER
from pgplat.local.standby import make_sibling, make_standby, promote
from pgplat.project import Project
from pgplat.upgrade import replication
from pgplat.upgrade.comparison import differences, fingerprints
from pgplat.upgrade.inspection import inspect_conninfo
from pgplat.upgrade.report import UpgradeReport
from pgplat.upgrade.tools import run_tool
from pgplat.validator.drill_names import drill_id
from pgplat.validator.suite import run_suite

WORKDIR = "upgrade-rehearsal"
"""The rehearsal's folder below the project's ``.pgplat``: blue, green and the schema dump."""
SCHEMA_DUMP = "schema.dump"
SETTLE_SECONDS = 1.0


@dataclass(frozen=True)
class RehearsalOptions:
    """What the operator chose on the command line."""

    to_major: int
    rate: float = 20.0
    """Probe writes (and reads) per second."""
    warmup: float = 2.0
    """Seconds of probing, replicated, before the switchover."""
    timeout: float = 120.0
    """Seconds each wait (initial sync, catch-up, the application's recovery) may take."""
    reports: Path | None = None
    """None: the project's drills folder."""


def _libpq(info: ServerInfo, dbname: str) -> tuple[str, dict[str, str]]:
    """A superuser conninfo over ``info``'s socket without the password, and the environment
    that carries it (so it never appears in a command line)."""
    conninfo = psycopg.conninfo.make_conninfo(
        host=str(info.socket_dir), port=info.port, dbname=dbname, user=SUPERUSER
    )
    return conninfo, {"PGPASSWORD": info.passwords[SUPERUSER], "PATH": "/usr/bin:/bin"}


class Switchover:
    """Blue/Green's switchover, as the failover drill's trigger; ``finish`` judges green."""

    def __init__(
        self,
        blue: LocalCluster,
        green: LocalCluster,
        endpoint: Forwarder,
        report: UpgradeReport,
        timeout: float,
    ) -> None:
        self.blue, self.green, self.endpoint = blue, green, endpoint
        self.report = report
        self.timeout = timeout

    @property
    def target(self) -> str:
        return f"blue, PostgreSQL {self.report.source}"

    def fail_over(self) -> str:
        dbname = self.blue.config.database.name
        blue_info, green_info = self.blue.info(), self.green.info()
        with (
            psycopg.connect(blue_info.admin_conninfo(dbname), autocommit=True) as blue,
            psycopg.connect(green_info.admin_conninfo(dbname), autocommit=True) as green,
        ):
            self.report.lag_bytes = replication.lag_bytes(blue)
            replication.stop_writes(blue)
            last = replication.current_lsn(blue)
            self.report.catch_up_seconds = replication.wait_for(
                lambda: replication.caught_up(blue, last), self.timeout, "green catching up"
            )
            self.report.sequences_copied = replication.copy_sequences(blue, green)
            replication.detach(green)
        self.endpoint.repoint(green_info.port)
        return f"green, PostgreSQL {self.report.target} on port {green_info.port}"

    def finish(self) -> None:
        """Compare green with blue (now still); run the validation suite on both, so what the
        upgrade broke stands apart from what never held on the twin's data."""
        dbname = self.blue.config.database.name
        with (
            psycopg.connect(self.blue.info().admin_conninfo(dbname), autocommit=True) as blue,
            psycopg.connect(self.green.info().admin_conninfo(dbname), autocommit=True) as green,
        ):
            probe_table = f"{self.blue.config.database.schema_name}.{PROBE_TABLE}"
            found = differences(fingerprints(blue), fingerprints(green))
            self.report.differences = [d.describe() for d in found if d.table != probe_table]
            test = self.blue.config.environments.prod.backup.restore_test
            if test is not None:
                now = datetime.now(UTC)
                self.report.suite_on_blue = run_suite(blue, test.validation, now)
                self.report.suite = run_suite(green, test.validation, now)


def _make_blue(twin: LocalCluster, root: Path) -> LocalCluster:
    """An exact copy of the twin that publishes: a promoted cold copy, wal_level logical."""
    blue = make_standby(twin, root)
    info = promote(blue)
    with psycopg.connect(info.admin_conninfo("postgres"), autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET wal_level = logical")
    blue.down()
    blue.up()
    return blue


def _copy_schema(blue: LocalCluster, green: LocalCluster, work: Path) -> None:
    """Green's application database recreated from blue's schema (pg_dump/pg_restore 18)."""
    dbname = blue.config.database.name
    dump = work / SCHEMA_DUMP
    source, env = _libpq(blue.info(), dbname)
    run_tool(
        "pg_dump",
        ["--schema-only", "--create", "--format=custom", f"--file={dump}", source],
        env=env,
    )
    green_info = green.info()
    with psycopg.connect(green_info.admin_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP DATABASE {} WITH (FORCE)").format(psycopg.sql.Identifier(dbname))
        )
    target, env = _libpq(green_info, "postgres")
    run_tool(
        "pg_restore", ["--create", "--exit-on-error", f"--dbname={target}", str(dump)], env=env
    )


def _timed(step: Callable[[], Any]) -> float:
    began = time.monotonic()
    step()
    return time.monotonic() - began


def rehearse(
    config: PgplatConfig, project: Project, options: RehearsalOptions, *, say: Callable[[str], None]
) -> tuple[UpgradeReport, tuple[Path, ...]]:
    """Rehearse the upgrade of the running twin to ``options.to_major``; write the report."""
    twin = LocalCluster(config, project.local)
    twin.info()  # refuses, in one line, when the twin is not running
    source = twin.binaries
    if options.to_major <= source.major:
        raise UserError(f"--to {options.to_major} is not later than the twin's {source.major}")
    target = binaries.newest_embedded(options.to_major)
    work = project.state / WORKDIR
    blue = LocalCluster(config, work / "blue", binaries=source, port=0)
    _clear(work, (blue, LocalCluster(config, work / "green", binaries=target, port=0)))
    claim(work, 0o700)
    green = make_sibling(twin, work / "green", target)
    started = datetime.now(UTC)
    report = UpgradeReport(
        drill_id("local", started), "local", source.version, target.version, started
    )
    try:
        _run(twin, blue, green, report, options, say)
        report.outcome = "passed"
    except KeyboardInterrupt:
        report.outcome, report.message = "interrupted", "Ctrl-C"
    except (UserError, psycopg.Error) as exc:
        report.outcome, report.message = "error", f"{type(exc).__name__}: {exc}"
    finally:
        _clear(work, (blue, green))
    report.judge()
    return report, report.write(options.reports or project.drills)


def _clear(work: Path, clusters: tuple[LocalCluster, ...]) -> None:
    """Delete the rehearsal's servers and folder (also what an interrupted one left)."""
    for cluster in clusters:
        cluster.destroy()
    delete_ours(work, (SCHEMA_DUMP,))


def _run(
    twin: LocalCluster,
    blue: LocalCluster,
    green: LocalCluster,
    report: UpgradeReport,
    options: RehearsalOptions,
    say: Callable[[str], None],
) -> None:
    say(f"blue: a copy of the twin (PostgreSQL {report.source}; the twin restarts once)")
    report.copy_seconds = _timed(lambda: _make_blue(twin, blue.root))
    blue_info = blue.info()
    report.prerequisites = inspect_conninfo(blue_info.admin_conninfo())
    endpoint = Forwarder(blue_info.port)
    try:
        probe = _probe(twin.config, blue_info, endpoint, report.drill_id, options.rate)
        probe.prepare()  # before the schema copy, so green has the probe's table too
        say(
            f"green: PostgreSQL {report.target}, blue's schema, then its rows by logical replication"
        )
        green.up()
        report.schema_seconds = _timed(lambda: _copy_schema(blue, green, blue.root.parent))
        report.sync_seconds = _replicate(blue, green, options.timeout)
        say("switchover under the probe")
        switch = Switchover(blue, green, endpoint, report, options.timeout)
        timing = Timing(warmup=options.warmup, settle=SETTLE_SECONDS, timeout=options.timeout)
        report.switchover = run_drill(switch, probe, "local", options.rate, timing)
    finally:
        endpoint.close()


def _probe(
    config: PgplatConfig, blue: ServerInfo, endpoint: Forwarder, identifier: str, rate: float
) -> Probe:
    """The failover drill's probe, as the first read-write user, through the endpoint."""
    env = blue.env(app_user(config)) | {"PGHOST": ENDPOINT_HOST, "PGPORT": str(endpoint.port)}
    settings = {ENV_VARS[name]: value for name, value in env.items()}
    return Probe(
        identifier, config.database.schema_name, rate=rate, connection=settings, env_file=None
    )


def _replicate(blue: LocalCluster, green: LocalCluster, timeout: float) -> float:
    """Publish on blue, subscribe on green; the seconds the initial copy of every table took."""
    dbname = blue.config.database.name
    blue_info = blue.info()
    with (
        psycopg.connect(blue_info.admin_conninfo(dbname), autocommit=True) as publisher,
        psycopg.connect(green.info().admin_conninfo(dbname), autocommit=True) as subscriber,
    ):
        replication.publish(publisher)
        replication.subscribe(subscriber, blue_info.admin_conninfo(dbname))
        return replication.wait_for(
            lambda: replication.initial_sync_done(subscriber), timeout, "green's initial sync"
        )
