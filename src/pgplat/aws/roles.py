"""Assumed roles whose credentials botocore refreshes itself.

Every role pgplat assumes (an application's data-account role, the drill role, the deploy
roles) is assumed here: on first use, and again ``ROLE_REFRESH_MARGIN`` before its
credentials expire, by botocore's refreshable credentials, so a long-running process never
holds expired keys and clients made from the session stay valid. This module reads no
configuration: the client uses it in application pods.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import boto3
import botocore.session
from botocore.credentials import (
    CredentialProvider,
    CredentialResolver,
    DeferredRefreshableCredentials,
)
from botocore.exceptions import BotoCoreError, ClientError

from pgplat.aws.errors import aws_error_code, guard

Clock = Callable[[], float]
Refusal = Callable[[str], Exception]
"""Turns the AWS error code of a refused AssumeRole into the error the caller raises."""

ROLE_DURATION = 3600
"""Seconds an assumed-role session lasts."""
ROLE_REFRESH_MARGIN = 15 * 60
"""Re-assume this long before expiry, so every IAM token minted from it outlives its use."""


class _WithoutResponseBodies(logging.Filter):
    """botocore logs every response body at DEBUG; for AssumeRole and GetSecretValue those
    are session keys and passwords, so with DEBUG logging on they would reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Response body")


logging.getLogger("botocore.parsers").addFilter(_WithoutResponseBodies())


class _RoleCredentials(DeferredRefreshableCredentials):
    """Refreshed ``ROLE_REFRESH_MARGIN`` before expiry, and never past it: with both of
    botocore's refresh windows the same, a refused refresh raises instead of being logged
    while the old keys run out."""

    _advisory_refresh_timeout = ROLE_REFRESH_MARGIN
    _mandatory_refresh_timeout = ROLE_REFRESH_MARGIN


class _Given(CredentialProvider):
    """A session's only credential source: the role's refreshable credentials."""

    METHOD = "assume-role"

    def __init__(self, credentials: _RoleCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> _RoleCredentials:
        return self._credentials


class AssumedRole:
    """``role_arn`` assumed from ``base``'s credentials; ``session`` is always current."""

    def __init__(
        self,
        base: boto3.Session,
        role_arn: str,
        session_name: str,
        *,
        region: str,
        refused: Refusal,
        clock: Clock = time.time,
        on_assumed: Callable[[], None] = lambda: None,
    ) -> None:
        self.role_arn = role_arn
        self._base = base
        self._session_name = session_name
        self._region = region
        self._refused = refused
        self._on_assumed = on_assumed
        self._expires_at = float("inf")
        self.credentials = _RoleCredentials(
            refresh_using=self._assume,
            method="assume-role",
            time_fetcher=lambda: datetime.fromtimestamp(clock(), UTC),
        )
        refreshing = botocore.session.Session()
        refreshing.register_component(
            "credential_provider", CredentialResolver([_Given(self.credentials)])
        )
        self.session = boto3.Session(botocore_session=refreshing, region_name=region)

    @property
    def expires_at(self) -> float:
        """When the current credentials stop working (inf: not assumed yet)."""
        return self._expires_at

    def _assume(self) -> dict[str, str]:
        sts = self._base.client("sts", region_name=self._region)
        try:
            response = sts.assume_role(
                RoleArn=self.role_arn,
                RoleSessionName=self._session_name,
                DurationSeconds=ROLE_DURATION,
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._refused(aws_error_code(exc)) from None
        credentials = response["Credentials"]
        self._expires_at = credentials["Expiration"].timestamp()
        self._on_assumed()
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }


def assumed_session(
    base: boto3.Session,
    role_arn: str,
    session_name: str,
    *,
    region: str,
    refused: Refusal,
    account: str | None = None,
) -> boto3.Session:
    """A session under ``role_arn``, assumed now so that a refusal is reported here; its AWS
    failures name ``account`` (default: the role) in one line (`pgplat.aws.errors.guard`)."""
    role = AssumedRole(base, role_arn, session_name, region=region, refused=refused)
    role.credentials.get_frozen_credentials()
    return guard(role.session, account or f"role {role_arn}")
