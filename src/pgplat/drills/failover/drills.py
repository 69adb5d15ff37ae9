"""The two drills as the command runs them: local (`pgplat dev` and its standby) and AWS (an
environment's database in its data account, probed through the application's settings).

`run_failover_drill` is the whole of ``pgplat drill failover``: it picks the drill and its
defaults, runs it in the data account's session (as ``deploy:`` reaches it), writes the
report into the project's drills folder and publishes the AWS drill's metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import boto3

from pgplat.aws.sessions import data_account_session
from pgplat.config.model import PgplatConfig
from pgplat.drills.failover.aws import AwsFailover, check_environment
from pgplat.drills.failover.local import LocalFailover, standby_of
from pgplat.drills.failover.probe import Probe
from pgplat.drills.failover.report import FailoverReport
from pgplat.drills.failover.runner import Timing, run_drill
from pgplat.drills.report import Warn, publish_or_warn
from pgplat.local.cluster import LocalCluster
from pgplat.local.envfile import app_user
from pgplat.naming import database_identifier
from pgplat.project import Project
from pgplat.validator.drill_names import drill_id

LOCAL = "local"
LOCAL_SETTLE = 1.0
"""Seconds of quiet that end a local drill: the promoted standby is the writer at once."""
AWS_SETTLE = 10.0
"""Seconds of quiet that end an AWS drill, where the old writer may return as a reader."""


@dataclass(frozen=True)
class FailoverOptions:
    """What the operator chose on the command line (None: the drill's default)."""

    env: str = LOCAL
    yes_prod: bool = False
    target_reader: str | None = None
    rate: float = 20.0
    warmup: float = 2.0
    timeout: float = 120.0
    settle: float | None = None
    reports: Path | None = None
    """None: the project's drills folder."""

    def timing(self) -> Timing:
        default = LOCAL_SETTLE if self.env == LOCAL else AWS_SETTLE
        settle = default if self.settle is None else self.settle
        return Timing(warmup=self.warmup, settle=settle, timeout=self.timeout)


def run_failover_drill(
    config: PgplatConfig,
    project: Project,
    options: FailoverOptions,
    *,
    say: Callable[[str], None],
    warn: Warn,
) -> tuple[FailoverReport, tuple[Path, ...]]:
    """Run the drill ``options`` choose, write its report; ``say`` announces the drill."""
    timing = options.timing()
    if options.env == LOCAL:
        primary = LocalCluster(config, project.local)
        say(f"failover drill on the local server in {primary.root}, probe at {options.rate:g}/s")
        report = local_drill(primary, rate=options.rate, timing=timing)
    else:
        check_environment(config, options.env, yes_prod=options.yes_prod)  # before AWS is asked
        identifier = database_identifier(config, options.env)
        session = data_account_session(config, options.env)
        say(f"failover drill on {identifier}, probe at {options.rate:g}/s")
        report = aws_drill(
            session,
            config,
            options.env,
            yes_prod=options.yes_prod,
            target_reader=options.target_reader,
            rate=options.rate,
            timing=timing,
        )
        publish_or_warn(session.client("cloudwatch"), identifier, report, warn)
    return report, report.write(options.reports or project.drills)


def local_drill(primary: LocalCluster, *, rate: float, timing: Timing) -> FailoverReport:
    """Fail `pgplat dev`'s server over to its standby, probing as the first read-write user."""
    trigger = LocalFailover(primary, standby_of(primary))
    probe = Probe(
        drill_id(LOCAL, datetime.now(UTC)),
        primary.config.database.schema_name,
        rate=rate,
        connection=trigger.client_settings(app_user(primary.config)),
        env_file=None,
    )
    try:
        return run_drill(trigger, probe, LOCAL, rate, timing)
    finally:
        trigger.endpoint.close()


def aws_drill(
    session: boto3.Session,
    config: PgplatConfig,
    env: str,
    *,
    yes_prod: bool,
    target_reader: str | None,
    rate: float,
    timing: Timing,
) -> FailoverReport:
    """Fail ``env``'s database over through the RDS API once it is found safe to; the probe
    connects as the application does (PG*/PGPLAT_* variables or ``.env``).

    ``session`` is the operator's, in the data account: the restore-drill role may only touch
    drill copies, so it cannot fail the database over.
    """
    flavor = check_environment(config, env, yes_prod=yes_prod)
    identifier = database_identifier(config, env)
    trigger = AwsFailover(session.client("rds"), flavor, identifier, target_reader=target_reader)
    trigger.check()
    started = datetime.now(UTC)
    probe = Probe(drill_id(identifier, started), config.database.schema_name, rate=rate)
    trigger.lock(probe.drill_id, started)
    return run_drill(trigger, probe, env, rate, timing)
