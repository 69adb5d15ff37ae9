"""What of an AWS error may be shown to a user."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError


def aws_error_code(exc: BotoCoreError | ClientError) -> str:
    """The error code alone: AWS messages can echo request parameters."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__
