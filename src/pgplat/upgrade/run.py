"""`pgplat upgrade run`: the major upgrade of a cloud environment, as a measured switchover.

The plan must be ready (no blocker). Green is validated with the restore drill's engine
before anything moves; a failed validation deletes green and leaves production as it was.
The switchover runs under the failover drill's probe, connected as the application is, so
the report says what the application felt. The old blue stays for the rollback period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import boto3
import psycopg
from botocore.exceptions import BotoCoreError, ClientError

from pgplat.aws.errors import aws_error_code
from pgplat.config import engines
from pgplat.config.model import PgplatConfig, ValidationSuite
from pgplat.drills.failover.probe import Probe
from pgplat.drills.failover.runner import Timing, run_drill
from pgplat.drills.report import Warn, publish_or_warn
from pgplat.errors import UserError
from pgplat.naming import (
    database_identifier,
    parameter_group_name,
    upgrade_master_secret_name,
)
from pgplat.project import Project
from pgplat.upgrade.blue_green import BlueGreen, Green
from pgplat.upgrade.plan import plan_upgrade
from pgplat.upgrade.report import UpgradeReport
from pgplat.validator.connect import Connector, Login, connect
from pgplat.validator.drill_names import drill_id
from pgplat.validator.suite import SuiteResult, run_suite

SETTLE_SECONDS = 10.0
"""Seconds of quiet that end the switchover's measurement (DNS moves behind the client)."""


@dataclass(frozen=True)
class RunOptions:
    """What the operator chose on the command line."""

    env: str
    to_major: int
    target_version: str | None = None
    """None: the newest version of ``to_major`` the engine offers (pgplat's dated table)."""
    yes_prod: bool = False
    rate: float = 20.0
    warmup: float = 5.0
    green_timeout: float = 4 * 3600.0
    """Seconds to wait for green (a large database's initial copy takes hours)."""
    switchover_timeout: int = 300
    """AWS's SwitchoverTimeout: past it the switchover is rolled back."""
    keep_blue: timedelta = timedelta(hours=24)
    reports: Path | None = None


def target_version(config: PgplatConfig, env: str, options: RunOptions) -> str:
    """The version green runs: the operator's, or the newest the flavor offers of the major."""
    flavor = config.environments.cloud()[env].flavor
    offered = [
        v for v in engines.supported_versions(flavor) if v.split(".")[0] == str(options.to_major)
    ]
    if options.target_version is not None:
        if offered and options.target_version not in offered:
            raise UserError(
                f"--target-version {options.target_version} is not offered; use one of "
                f"{', '.join(offered[-5:])}"
            )
        return options.target_version
    if not offered:
        raise UserError(f"{flavor} offers no PostgreSQL {options.to_major} in pgplat's table")
    return max(offered, key=lambda v: tuple(int(p) for p in v.split(".")))


def _ready(config: PgplatConfig, options: RunOptions) -> None:
    if options.env not in config.environments.cloud():
        raise UserError(f"--env {options.env}: no such cloud environment")
    if options.env == "prod" and not options.yes_prod:
        raise UserError(
            "a major upgrade switches production over (writes stop for seconds); run it in "
            "a quiet hour and pass --yes-prod"
        )
    plan = plan_upgrade(config, options.env, options.to_major, today=date.today())
    if not plan.ready:
        checks = ", ".join(p.check for p in plan.blockers)
        raise UserError(
            f"{len(plan.blockers)} blocker(s) remain ({checks}); see `pgplat upgrade plan "
            f"--env {options.env} --to {options.to_major}`"
        )


class _Switchover:
    """The Blue/Green switchover as the failover drill's trigger."""

    def __init__(self, upgrade: BlueGreen, timeout: int) -> None:
        self.upgrade, self.timeout = upgrade, timeout

    @property
    def target(self) -> str:
        return self.upgrade.target

    def fail_over(self) -> str:
        self.upgrade.switch_over(self.timeout)
        return f"green, now {self.upgrade.identifier}"

    def finish(self) -> None:
        """Nothing to put back: the old blue stays for the rollback period."""


def run_upgrade(
    session: boto3.Session,
    config: PgplatConfig,
    project: Project,
    options: RunOptions,
    *,
    say: Callable[[str], None],
    warn: Warn,
    connector: Connector = connect,
) -> tuple[UpgradeReport, tuple[Path, ...]]:
    """Upgrade ``options.env`` to ``options.to_major``; write and publish the report."""
    _ready(config, options)
    version = target_version(config, options.env, options)
    env = config.environments.cloud()[options.env]
    identifier = database_identifier(config, options.env)
    upgrade = BlueGreen(
        session.client("rds"),
        session.client("secretsmanager"),
        env.flavor,
        identifier,
        version,
        parameter_group_name(identifier, options.to_major),
        multi_az_cluster=env.multi_az_cluster,
        kms_key_id=env.kms_key_arn,
        master_secret_name=upgrade_master_secret_name(config, options.env),
    )
    upgrade.check()
    started = datetime.now(UTC)
    report = UpgradeReport(
        drill_id(identifier, started),
        options.env,
        config.engine_version(options.env),
        version,
        started,
    )
    upgrade.lock(report.drill_id, started)
    try:
        _upgrade(config, project, upgrade, report, options, say, connector)
    except KeyboardInterrupt:
        report.outcome, report.message = "interrupted", "Ctrl-C"
    except (UserError, ClientError, BotoCoreError, psycopg.Error) as exc:
        detail = aws_error_code(exc) if isinstance(exc, ClientError | BotoCoreError) else exc
        report.outcome, report.message = "error", f"{type(exc).__name__}: {detail}"
    finally:
        _unlock(upgrade, warn)
    report.judge()
    publish_or_warn(session.client("cloudwatch"), identifier, report, warn)
    return report, report.write(options.reports or project.drills)


def _upgrade(
    config: PgplatConfig,
    project: Project,
    upgrade: BlueGreen,
    report: UpgradeReport,
    options: RunOptions,
    say: Callable[[str], None],
    connector: Connector,
) -> None:
    # The probe's table is created now, before green is copied from blue: created later,
    # it would be DDL during the deployment, which logical replication cannot carry.
    probe = Probe(report.drill_id, config.database.schema_name, rate=options.rate)
    probe.prepare()
    say(f"{upgrade.target}: the master password into pgplat's secret for the upgrade")
    password = upgrade.release_master_password()
    try:
        say(f"creating the Blue/Green deployment (PostgreSQL {upgrade.target_version})")
        green = upgrade.create(
            report.drill_id, {"pgplat:upgrade-id": report.drill_id}, options.green_timeout
        )
        say(f"validating green ({green.endpoint})")
        login = green_login(config, project, green, password)
        report.suite = _validate(config, options.env, login, connector)
        if not report.suite.passed:
            upgrade.abandon()
            report.outcome = "failed"
            report.message = (
                f"green failed {len(report.suite.failures)} validation check(s); it was "
                "deleted and production was not touched"
            )
            return
        say("switchover under the probe")
        timing = Timing(
            warmup=options.warmup, settle=SETTLE_SECONDS, timeout=options.switchover_timeout
        )
        report.switchover = run_drill(
            _Switchover(upgrade, options.switchover_timeout),
            probe,
            options.env,
            options.rate,
            timing,
        )
        old_blue = upgrade.finish(options.keep_blue, datetime.now(UTC))
        say(
            f"the old blue {old_blue} stays until {datetime.now(UTC) + options.keep_blue:%Y-%m-%d %H:%M} UTC"
        )
        report.outcome = "passed"
    finally:
        upgrade.return_master_password()


def green_login(config: PgplatConfig, project: Project, green: Green, password: str) -> Login:
    """The master's login to green, verified against the configured RDS CA bundle."""
    test = config.environments.prod.backup.restore_test
    bundle = project.resolve(test.ca_bundle) if test is not None and test.ca_bundle else None
    return Login(
        green.endpoint,
        green.port,
        config.database.name,
        green.master_username,
        password,
        bundle,
    )


def _validate(config: PgplatConfig, env: str, login: Login, connector: Connector) -> SuiteResult:
    """The environment's restore-test validation suite (or just a login) on green."""
    test = config.environments.cloud()[env].backup.restore_test
    suite = test.validation if test is not None else ValidationSuite()
    with connector(login) as conn:
        return run_suite(conn, suite, datetime.now(UTC))


def _unlock(upgrade: BlueGreen, warn: Warn) -> None:
    try:
        upgrade.unlock()
    except (ClientError, BotoCoreError) as exc:
        warn(f"the {upgrade.target} upgrade tag was not removed ({aws_error_code(exc)})")
