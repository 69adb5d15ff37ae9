"""`pgplat upgrade rehearse`: a Blue/Green major upgrade, played on the local twin's data.

It does what RDS does for a major upgrade, on two local servers (:mod:`local_pair`): green
gets blue's schema, then its rows by logical replication, while the failover drill's probe
writes and reads through a local endpoint. The switchover is Blue/Green's: blue refuses
writes, green catches up, sequences are carried over, the endpoint moves to green. Then green
is compared with blue table by table and the configured validation suite runs on both. Both
servers are deleted afterwards and the twin is left as it was, unless ``keep`` asks that a
rehearsal that passed leave green as the twin: the local side of the upgrade, done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from dotenv import dotenv_values

from pgplat.client.settings import ENV_VARS
from pgplat.config.model import PgplatConfig
from pgplat.drills.failover.endpoint import Forwarder
from pgplat.drills.failover.local import ENDPOINT_HOST
from pgplat.drills.failover.probe import Probe
from pgplat.drills.failover.runner import Timing, run_drill
from pgplat.errors import UserError
from pgplat.local import binaries
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.envfile import app_user
from pgplat.project import Project
from pgplat.upgrade.inspection import inspect_conninfo
from pgplat.upgrade.local_pair import LocalBlueGreen
from pgplat.upgrade.report import UpgradeReport
from pgplat.validator.drill_names import drill_id

WORKDIR = "upgrade-rehearsal"
"""The rehearsal's folder below the project's ``.pgplat``: blue, green and the schema dump."""
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
    keep: bool = False
    """Green replaces the twin when the rehearsal passed (same port, passwords and CA)."""


class Switchover:
    """The pair's switchover as the failover drill's trigger; ``finish`` judges green."""

    def __init__(self, pair: LocalBlueGreen, report: UpgradeReport, timeout: float) -> None:
        self.pair, self.report, self.timeout = pair, report, timeout

    @property
    def target(self) -> str:
        return f"blue, PostgreSQL {self.report.source}"

    def fail_over(self) -> str:
        port = self.pair.switch_over(self.report, self.timeout)
        return f"green, PostgreSQL {self.report.target} on port {port}"

    def finish(self) -> None:
        self.pair.compare(self.report)


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
    pair = LocalBlueGreen(twin, project.state / WORKDIR, target)
    started = datetime.now(UTC)
    report = UpgradeReport(
        drill_id("local", started), "local", source.version, target.version, started
    )
    try:
        _run(pair, report, options, say)
        report.outcome = "passed"
        report.judge()
        if options.keep and report.passed:
            say(f"keeping green: the twin now runs PostgreSQL {report.target}")
            pair.keep_green(report.drill_id)
            report.kept = True
    except KeyboardInterrupt:
        report.outcome, report.message = "interrupted", "Ctrl-C"
    except (UserError, psycopg.Error) as exc:
        report.outcome, report.message = "error", f"{type(exc).__name__}: {exc}"
    finally:
        pair.close()
    return report, report.write(options.reports or project.drills)


def _run(
    pair: LocalBlueGreen,
    report: UpgradeReport,
    options: RehearsalOptions,
    say: Callable[[str], None],
) -> None:
    say(f"blue: a copy of the twin (PostgreSQL {report.source}; the twin restarts once)")
    report.copy_seconds = _timed(pair.make_blue)
    blue = pair.blue.info()
    report.prerequisites = inspect_conninfo(blue.admin_conninfo())
    probe = endpoint_probe(
        pair.twin.config, blue, pair.open_endpoint(), report.drill_id, options.rate
    )
    probe.prepare()  # before the schema copy, so green has the probe's table too
    say(f"green: PostgreSQL {report.target}, blue's schema, then its rows by logical replication")
    report.schema_seconds = _timed(pair.make_green)
    report.sync_seconds = pair.replicate(options.timeout)
    say("switchover under the probe")
    timing = Timing(warmup=options.warmup, settle=SETTLE_SECONDS, timeout=options.timeout)
    switch = Switchover(pair, report, options.timeout)
    report.switchover = run_drill(switch, probe, "local", options.rate, timing)


def endpoint_probe(
    config: PgplatConfig, blue: ServerInfo, endpoint: Forwarder, identifier: str, rate: float
) -> Probe:
    """The failover drill's probe, as the first read-write user, through the endpoint."""
    env = blue.env(app_user(config)) | {"PGHOST": ENDPOINT_HOST, "PGPORT": str(endpoint.port)}
    settings = {ENV_VARS[name]: value for name, value in env.items()}
    return Probe(
        identifier, config.database.schema_name, rate=rate, connection=settings, env_file=None
    )


def env_file_port_moved(config: PgplatConfig, project: Project) -> int | None:
    """The kept twin's port when the project's ``.env`` names another (the old port was
    taken while the twin restarted), so the user is told to rewrite it; else None."""
    port = LocalCluster(config, project.local).info().port
    if project.env_file.is_file() and dotenv_values(project.env_file).get("PGPORT") != str(port):
        return port
    return None
