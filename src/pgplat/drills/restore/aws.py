"""The AWS session a drill runs in: the dedicated drill role of the environment's data account.

The role (created by the data stack) can restore, describe, tag and delete drill copies and
publish drill metrics; it cannot modify or delete anything that is not tagged as a drill copy.
"""

from __future__ import annotations

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from pgplat.config.model import PgplatConfig
from pgplat.drills.restore.naming import drill_role_name
from pgplat.errors import UserError


def drill_role_arn(config: PgplatConfig, env: str) -> str:
    account = config.account_of(env, "data")
    return f"arn:aws:iam::{account}:role/{drill_role_name(config, env)}"


def drill_session(
    config: PgplatConfig, env: str, base: boto3.Session | None = None
) -> boto3.Session:
    """Assume the drill role with the caller's credentials; a session in the data account."""
    base = base or boto3.Session(region_name=config.region)
    role = drill_role_arn(config, env)
    try:
        found = base.client("sts").assume_role(RoleArn=role, RoleSessionName="pgplat-drill")
    except (ClientError, BotoCoreError) as exc:
        raise UserError(
            f"cannot assume the drill role {role} ({type(exc).__name__}); "
            "sign in to AWS with a principal of the data account allowed to assume it"
        ) from None
    credentials = found["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=config.region,
    )
