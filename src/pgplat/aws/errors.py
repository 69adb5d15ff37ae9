"""What of an AWS error may be shown to a user, and the one place AWS failures become one
line with their own exit code.

`guard` hooks a boto3 session's events, so every client made from it (drift, audits, drills,
bootstrap) bounds its time on an unreachable endpoint and turns a refused or failed call into
an `AwsError` naming the account, the call and what to do — never a botocore traceback.
Errors a caller handles itself (a stack that does not exist, a missing policy) pass through.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    CredentialRetrievalError,
    HTTPClientError,
    NoAuthTokenError,
    NoCredentialsError,
    PartialCredentialsError,
    SSOError,
    TokenRetrievalError,
)

from pgplat.errors import ExitCode, UserError

if TYPE_CHECKING:
    import boto3

ATTEMPTS = 3
"""Tries of one call (botocore's standard retry mode: throttling, 5xx, connection errors)."""
BOUNDED = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"mode": "standard", "total_max_attempts": ATTEMPTS},
)
"""Every guarded client's limits: an unreachable endpoint fails in seconds, not minutes."""

EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
UNRECOGNISED = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "AuthFailure",
    }
)
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
    }
)
_NO_CREDENTIALS = (
    NoCredentialsError,
    PartialCredentialsError,
    CredentialRetrievalError,
    TokenRetrievalError,
    NoAuthTokenError,
    SSOError,
)
_UNREACHABLE = (ConnectionError, HTTPClientError)
_SIGN_IN = (
    "sign in (aws configure, aws sso login) or name a profile or role_arn for this account "
    "in the configuration's deploy: section"
)


class AwsError(UserError):
    """An AWS call failed for a reason outside pgplat: credentials, permissions, network."""


class AwsRefused(AwsError):
    """AWS refused the credentials or the call."""

    exit_code = ExitCode.AWS_REFUSED


class AwsUnreachable(AwsError):
    """AWS could not be reached, or kept throttling or failing through the retries."""

    exit_code = ExitCode.AWS_UNREACHABLE


def aws_error_code(exc: BotoCoreError | ClientError) -> str:
    """The error code alone: AWS messages can echo request parameters."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__


def guard(session: boto3.Session, account: str) -> boto3.Session:
    """``session`` with bounded clients whose AWS failures are `AwsError`s naming ``account``
    (its id and how it is reached: profile, role or the default credentials)."""
    session._session.set_default_client_config(BOUNDED)  # boto3 has no public setter

    def answered(event_name: str, http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
        if http_response.status_code >= 300:
            error = _refusal(_call(event_name), account, http_response.status_code, parsed, model)
            if error is not None:
                raise error

    def failed(event_name: str, exception: BaseException, **_: Any) -> None:
        error = _failure(_call(event_name), account, exception)
        if error is not None:
            raise error from exception

    session.events.register("after-call", answered)
    session.events.register("after-call-error", failed)
    return session


def _call(event_name: str) -> str:
    """``after-call.cloudwatch-logs.StartQuery`` -> ``cloudwatch-logs StartQuery``."""
    _, service, operation = event_name.split(".", 2)
    return f"{service} {operation}"


def _refusal(call: str, account: str, status: int, parsed: Any, model: Any) -> AwsError | None:
    """The error for an AWS error response, or None for one the caller handles itself."""
    code = str(parsed.get("Error", {}).get("Code", ""))
    attempts = int(parsed.get("ResponseMetadata", {}).get("RetryAttempts", 0)) + 1
    where = f"AWS {call} for {account}"
    if code in EXPIRED:
        return AwsRefused(f"{where}: the credentials have expired ({code}); sign in again")
    if code in UNRECOGNISED:
        return AwsRefused(f"{where}: AWS does not accept the credentials ({code}); {_SIGN_IN}")
    if code in DENIED or status == HTTPStatus.FORBIDDEN:
        action = f"{model.service_model.signing_name}:{model.name}"
        return AwsRefused(
            f"{where}: {action} denied ({code or status}); use a principal allowed to call it, "
            "as a profile or role_arn in the configuration's deploy: section"
        )
    if code in THROTTLED or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return AwsUnreachable(
            f"{where}: still {code or status} after {attempts} attempts; wait and rerun"
        )
    return None


def _failure(call: str, account: str, exc: BaseException) -> AwsError | None:
    """The error for a call that got no answer, or None (already ours, or not AWS's)."""
    where = f"AWS {call} for {account}"
    if isinstance(exc, _NO_CREDENTIALS):
        return AwsRefused(f"{where}: no usable credentials ({type(exc).__name__}); {_SIGN_IN}")
    if isinstance(exc, _UNREACHABLE):
        endpoint = _shown(getattr(exc, "kwargs", {}).get("endpoint_url", ""))
        return AwsUnreachable(
            f"{where}: could not reach {endpoint or 'AWS'} ({type(exc).__name__}, "
            f"after {ATTEMPTS} attempts); check the network, "
            "proxy and AWS_ENDPOINT_URL"
        )
    return None


def _shown(url: str) -> str:
    """An endpoint without anything but scheme, host and port (no user info, no query)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"
