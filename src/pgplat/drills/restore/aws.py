"""The AWS session a drill runs in: the dedicated drill role of the environment's data account.

The role (created by the data stack) can restore, describe, tag and delete drill copies and
publish drill metrics; it cannot modify or delete anything that is not tagged as a drill copy.
It is assumed from the data account's session as the configuration's ``deploy:`` section
reaches it, with credentials botocore refreshes (a drill may wait for hours).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pgplat.aws.roles import assumed_session
from pgplat.aws.sessions import data_account_session
from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.naming import drill_role_name, partition, role_arn

if TYPE_CHECKING:
    import boto3

SESSION_NAME = "pgplat-drill"


def drill_role_arn(config: PgplatConfig, env: str) -> str:
    account = config.account_of(env, "data")
    return role_arn(partition(config.region), account, drill_role_name(config, env))


def drill_session(config: PgplatConfig, env: str) -> boto3.Session:
    """Assume the drill role from the data account's session; a session in that account."""
    role = drill_role_arn(config, env)

    def refused(code: str) -> UserError:
        return UserError(
            f"cannot assume the drill role {role} ({code}); "
            "sign in to AWS with a principal of the data account allowed to assume it"
        )

    base = data_account_session(config, env)
    return assumed_session(base, role, SESSION_NAME, region=config.region, refused=refused)
