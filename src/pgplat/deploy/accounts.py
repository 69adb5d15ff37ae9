"""What a deployment needs of an account's access beyond a boto3 session: the environment
that gives a CDK CLI process its credentials, and a description for dry runs."""

from __future__ import annotations

from pgplat.aws.sessions import describe_access, session_for
from pgplat.config.model import AccountAccess

__all__ = ["cli_environment", "describe_access"]


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
