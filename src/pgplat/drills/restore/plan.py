"""Turn the configuration and the operator's choices into a :class:`DrillPlan`.

Everything here only *reads* AWS: the source's settings, its snapshots, the drill security
group. Mistakes a person can fix (no snapshot yet, a time outside the restorable window, the
data stack not deployed) become one-line :class:`UserError` messages before anything exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from pgplat.config.model import PgplatConfig, ValidationSuite
from pgplat.drills.restore.restore import RecoveryPoint, RestoreFrom, Restorer, restorer_for
from pgplat.drills.restore.runner import DrillPlan
from pgplat.errors import UserError
from pgplat.naming import database_identifier
from pgplat.validator.connect import CopyAuth
from pgplat.validator.drill_names import DRILL_SG_TAG, drill_id

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_rds import RDSClient


@dataclass(frozen=True)
class DrillOptions:
    """What the operator chose on the command line."""

    env: str = "prod"
    restore_from: RestoreFrom = "latest-snapshot"
    at: datetime | None = None
    auth: CopyAuth = "master"
    iam_user: str | None = None
    ca_file: Path | None = None
    via: tuple[str, int] | None = None
    deadline: timedelta = timedelta(minutes=90)


def prepare(
    config: PgplatConfig,
    options: DrillOptions,
    rds: RDSClient,
    ec2: EC2Client,
    now: datetime,
) -> tuple[DrillPlan, Restorer]:
    environments = config.environments.cloud()
    if options.env not in environments:
        raise UserError(
            f"environment {options.env!r} is not configured; "
            f"configured: {', '.join(environments)} (see environments in the config)"
        )
    settings = environments[options.env]
    if options.auth == "iam" and not options.iam_user:
        raise UserError("--auth iam needs --user NAME: a database user granted rds_iam")
    if options.at is not None and options.restore_from != "pitr":
        raise UserError("--at only applies to --from pitr")
    restorer = restorer_for(settings.flavor, rds)
    identifier = database_identifier(config, options.env)
    try:
        source = restorer.describe_source(identifier)
    except ClientError as exc:
        raise UserError(
            f"cannot read the {settings.flavor} source {identifier!r} in the data account "
            f"({exc.response.get('Error', {}).get('Code')}); is the data stack deployed?"
        ) from None
    if options.auth == "iam" and not source.iam_auth:
        raise UserError(f"{identifier} has IAM authentication off; use --auth master")
    if options.restore_from == "latest-snapshot":
        point = restorer.latest_snapshot(source)
    else:
        point = _point_in_time(identifier, options.at, source.latest_restorable, now)
    restore_test = settings.backup.restore_test
    plan = DrillPlan(
        environment=options.env,
        copy_id=drill_id(identifier, now),
        source=source,
        point=point,
        suite=restore_test.validation if restore_test is not None else ValidationSuite(),
        security_group=_drill_security_group(ec2, source.vpc_id, identifier),
        dbname=config.database.name,
        tags=config.tags_of(options.env),
        auth=options.auth,
        iam_user=options.iam_user,
        ca_file=options.ca_file,
        via=options.via,
        deadline=options.deadline,
    )
    return plan, restorer


def _point_in_time(
    identifier: str, at: datetime | None, latest: datetime | None, now: datetime
) -> RecoveryPoint:
    if latest is None:
        raise UserError(f"{identifier} reports no restorable time; are automated backups on?")
    if at is None:
        return RecoveryPoint("pitr", latest)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    if at > latest:
        raise UserError(
            f"--at {at.isoformat()} is after the latest restorable time "
            f"{latest.isoformat()} of {identifier} (now is {now.isoformat(timespec='seconds')})"
        )
    return RecoveryPoint("pitr", at)


def _drill_security_group(ec2: EC2Client, vpc_id: str, identifier: str) -> str:
    found = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": f"tag:{DRILL_SG_TAG}", "Values": [identifier]},
        ]
    )["SecurityGroups"]
    if len(found) != 1:
        raise UserError(
            f"expected one security group tagged {DRILL_SG_TAG}={identifier} in {vpc_id}, "
            f"found {len(found)}; deploy the data stack (it creates the drill security group)"
        )
    return found[0]["GroupId"]
