"""A boto3 session per account role, as the configuration's ``deploy:`` section says: the
account's named profile, its role assumed from the caller, or the ambient credentials.

Deployments, audits and drills all reach the accounts through here, so every command
honours the same profiles and roles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pgplat.config.model import AccountAccess, PgplatConfig
from pgplat.errors import UserError

if TYPE_CHECKING:
    import boto3

ConfiguredAccount = Literal["data", "app", "nonprod", "network"]
"""One of the accounts in the configuration's ``accounts`` (and ``deploy``) section."""

SESSION_NAME = "pgplat-deploy"


def account_role(config: PgplatConfig, account: str) -> ConfiguredAccount:
    """Which configured role an account id plays."""
    accounts = config.accounts
    if account == accounts.data:
        return "data"
    if account == accounts.app:
        return "app"
    if account == accounts.nonprod:
        return "nonprod"
    if account == accounts.network:
        return "network"
    raise ValueError(f"account {account} is not configured")


def access_for(config: PgplatConfig, role: ConfiguredAccount) -> AccountAccess:
    """How the ``deploy:`` section reaches the account playing ``role``."""
    access: AccountAccess = getattr(config.deploy, role)
    return access


def describe_access(access: AccountAccess) -> str:
    """How credentials are obtained, for dry runs and messages (never the credentials)."""
    if access.role_arn:
        via = f" via profile {access.profile}" if access.profile else ""
        return f"assume {access.role_arn}{via}"
    return f"profile {access.profile}" if access.profile else "default credentials"


def session_for(access: AccountAccess, region: str, account: str = "") -> boto3.Session:
    """A boto3 session for the account: its profile, or its role assumed from the caller;
    its clients' AWS failures are one-line errors naming ``account`` (`pgplat.aws.errors`)."""
    import boto3  # loaded on first AWS call, not at CLI start-up
    from botocore.exceptions import ProfileNotFound

    from pgplat.aws.errors import guard
    from pgplat.aws.roles import assumed_session

    described = describe_access(access)
    who = f"account {account} ({described})" if account else described
    try:
        base = guard(boto3.Session(profile_name=access.profile, region_name=region), who)
    except ProfileNotFound:
        raise UserError(
            f"AWS profile {access.profile!r} (for {who}) is not in the AWS config files; "
            "add it (aws configure --profile) or fix the configuration's deploy: section"
        ) from None
    if access.role_arn is None:
        return base
    role_arn = access.role_arn

    def refused(code: str) -> UserError:
        return UserError(
            f"could not assume {role_arn} as {SESSION_NAME}: {code}; check that the caller "
            "(or the profile the deploy: section names) may assume it"
        )

    return assumed_session(
        base, role_arn, SESSION_NAME, region=region, refused=refused, account=who
    )


def data_account_session(config: PgplatConfig, env: str) -> boto3.Session:
    """A session in the account that holds ``env``'s database."""
    account = config.account_of(env, "data")
    return session_for(access_for(config, account_role(config, account)), config.region, account)
