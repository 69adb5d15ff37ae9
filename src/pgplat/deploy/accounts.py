"""Credentials per account role: a named profile, an assumed role, or the ambient chain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pgplat.config import PgplatConfig
from pgplat.config.model import AccountAccess

if TYPE_CHECKING:
    import boto3

AccountRole = Literal["data", "app", "nonprod"]

SESSION_NAME = "pgplat-deploy"


def account_role(config: PgplatConfig, account: str) -> AccountRole:
    """Which configured role an account id plays."""
    accounts = config.accounts
    if account == accounts.data:
        return "data"
    if account == accounts.app:
        return "app"
    if account == accounts.nonprod:
        return "nonprod"
    raise ValueError(f"account {account} is not configured")


def access_for(config: PgplatConfig, role: AccountRole) -> AccountAccess:
    access: AccountAccess = getattr(config.deploy, role)
    return access


def session_for(access: AccountAccess, region: str) -> boto3.Session:
    """A boto3 session for the account: its profile, or its role assumed from the caller."""
    import boto3  # loaded on first AWS call, not at CLI start-up

    if access.role_arn is None:
        return boto3.Session(profile_name=access.profile, region_name=region)
    base = boto3.Session(profile_name=access.profile, region_name=region)
    creds = base.client("sts").assume_role(RoleArn=access.role_arn, RoleSessionName=SESSION_NAME)
    c = creds["Credentials"]
    return boto3.Session(
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
        region_name=region,
    )


def cli_environment(access: AccountAccess, region: str) -> dict[str, str]:
    """Environment variables that give a CDK CLI process this account's credentials."""
    if access.role_arn is None:
        return {"AWS_PROFILE": access.profile} if access.profile else {}
    frozen = session_for(access, region).get_credentials()
    assert frozen is not None
    creds = frozen.get_frozen_credentials()
    return {
        "AWS_ACCESS_KEY_ID": str(creds.access_key),
        "AWS_SECRET_ACCESS_KEY": str(creds.secret_key),
        "AWS_SESSION_TOKEN": creds.token or "",
        "AWS_REGION": region,
    }


def describe_access(access: AccountAccess) -> str:
    """How credentials are obtained, for dry runs and summaries (never the credentials)."""
    if access.role_arn:
        via = f" via profile {access.profile}" if access.profile else ""
        return f"assume {access.role_arn}{via}"
    return f"profile {access.profile}" if access.profile else "default credentials"


def data_account_session(config: PgplatConfig, env: str) -> boto3.Session:
    """A session in the account that holds ``env``'s database."""
    role = account_role(config, config.account_of(env, "data"))
    return session_for(access_for(config, role), config.region)
