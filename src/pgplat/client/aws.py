"""The AWS identity credentials are fetched with: the pod's own (IRSA web identity or EKS Pod
Identity, both found by boto3's default chain) or, when a role ARN is configured, the
data-account role assumed from it — cached and re-assumed well before it expires."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from pgplat.client.counters import metrics
from pgplat.client.errors import CredentialsError

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

Clock = Callable[[], float]


class _WithoutResponseBodies(logging.Filter):
    """botocore logs every response body at DEBUG; for GetSecretValue and AssumeRole those
    are passwords and session keys, so with DEBUG logging on they would reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Response body")


logging.getLogger("botocore.parsers").addFilter(_WithoutResponseBodies())

ROLE_DURATION = 3600
"""Seconds an assumed-role session lasts."""
ROLE_REFRESH_MARGIN = 15 * 60
"""Re-assume this long before expiry, so every IAM token minted from it outlives its use."""


class AwsIdentity:
    """boto3 clients under the workload's identity, assuming ``role_arn`` when given."""

    def __init__(
        self,
        *,
        region: str,
        role_arn: str | None,
        session_name: str,
        clock: Clock,
        base: boto3.Session | None = None,
    ) -> None:
        self._region = region
        self._role_arn = role_arn
        self._session_name = session_name
        self._clock = clock
        self._base = base or boto3.Session()
        self._lock = threading.Lock()
        self._session: boto3.Session | None = None
        self._expires_at = float("inf")
        self._rds: RDSClient | None = None
        self._secrets: SecretsManagerClient | None = None

    @property
    def expires_at(self) -> float:
        """When the credentials behind the current clients stop working (inf: not ours)."""
        return self._expires_at

    def rds(self) -> RDSClient:
        with self._lock:
            self._renew()
            if self._rds is None:
                self._rds = self._current().client("rds", region_name=self._region)
            return self._rds

    def secretsmanager(self) -> SecretsManagerClient:
        with self._lock:
            self._renew()
            if self._secrets is None:
                self._secrets = self._current().client("secretsmanager", region_name=self._region)
            return self._secrets

    def _current(self) -> boto3.Session:
        return self._session or self._base

    def _renew(self) -> None:
        if self._role_arn is None:
            return
        if self._session is not None and self._clock() < self._expires_at - ROLE_REFRESH_MARGIN:
            return
        sts = self._base.client("sts", region_name=self._region)
        try:
            response = sts.assume_role(
                RoleArn=self._role_arn,
                RoleSessionName=self._session_name,
                DurationSeconds=ROLE_DURATION,
            )
        except (BotoCoreError, ClientError) as exc:
            raise CredentialsError(
                f"could not assume {self._role_arn} as {self._session_name}: {aws_error_code(exc)}; "
                "check the pod's service account is bound to a role that may assume it"
            ) from None
        credentials = response["Credentials"]
        self._session = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=self._region,
        )
        self._expires_at = credentials["Expiration"].timestamp()
        self._rds = self._secrets = None
        metrics.add("credential_refreshes")


def aws_error_code(exc: BotoCoreError | ClientError) -> str:
    """The error code alone: AWS messages can echo request parameters."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__
