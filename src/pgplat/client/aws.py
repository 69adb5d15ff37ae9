"""The AWS identity credentials are fetched with: the pod's own (IRSA web identity or EKS Pod
Identity, both found by boto3's default chain) or, when a role ARN is configured, the
data-account role assumed from it — re-assumed well before it expires (`pgplat.aws.roles`)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import boto3

from pgplat.aws.roles import AssumedRole, Clock
from pgplat.client.counters import metrics
from pgplat.client.errors import CredentialsError

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_secretsmanager import SecretsManagerClient


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
        base = base or boto3.Session()
        self._region = region
        self._role = (
            None if role_arn is None else _assumed(base, role_arn, session_name, region, clock)
        )
        self._session = base if self._role is None else self._role.session
        self._lock = threading.Lock()  # a boto3 session makes one client at a time
        self._rds: RDSClient | None = None
        self._secrets: SecretsManagerClient | None = None

    @property
    def expires_at(self) -> float:
        """When the credentials behind the clients stop working (inf: not ours to renew)."""
        return float("inf") if self._role is None else self._role.expires_at

    def rds(self) -> RDSClient:
        with self._lock:
            self._rds = self._rds or self._session.client("rds", region_name=self._region)
            return self._rds

    def secretsmanager(self) -> SecretsManagerClient:
        with self._lock:
            self._secrets = self._secrets or self._session.client(
                "secretsmanager", region_name=self._region
            )
            return self._secrets


def _assumed(
    base: boto3.Session, role_arn: str, session_name: str, region: str, clock: Clock
) -> AssumedRole:
    def refused(code: str) -> CredentialsError:
        return CredentialsError(
            f"could not assume {role_arn} as {session_name}: {code}; "
            "check the pod's service account is bound to a role that may assume it"
        )

    return AssumedRole(
        base,
        role_arn,
        session_name,
        region=region,
        refused=refused,
        clock=clock,
        on_assumed=lambda: metrics.add("credential_refreshes"),
    )
