"""The two drills as the command runs them: local (`pgplat dev` and its standby) and AWS (an
environment's database in its data account, probed through the application's settings)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3

from pgplat.config.model import PgplatConfig
from pgplat.drills.failover.aws import AwsFailover, check_environment
from pgplat.drills.failover.local import LocalFailover, standby_of
from pgplat.drills.failover.probe import Probe
from pgplat.drills.failover.report import FailoverReport
from pgplat.drills.failover.runner import Timing, run_drill
from pgplat.drills.restore.naming import drill_id
from pgplat.local.cluster import LocalCluster
from pgplat.local.envfile import app_user

LOCAL = "local"


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
    identifier = config.database_identifier(env)
    trigger = AwsFailover(session.client("rds"), flavor, identifier, target_reader=target_reader)
    trigger.check()
    started = datetime.now(UTC)
    probe = Probe(drill_id(identifier, started), config.database.schema_name, rate=rate)
    trigger.lock(probe.drill_id, started)
    return run_drill(trigger, probe, env, rate, timing)
