"""Deterministic names and ARNs of the cross-account identity chain.

A CloudFormation stack cannot reference a resource in another account, so every value one
account needs from the other and that is fixed before deployment is derived here from the
configuration alone: the app stack names the data-account role it may assume, the data role
names the workload role it trusts, and the Kubernetes manifests carry both. Nothing in this
module imports the CDK, so manifests and checks stay fast.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pgplat.config import PgplatConfig
from pgplat.config.model import DatabaseUser

IAM_ROLE_NAME_MAX = 64
CDK_QUALIFIER = "hnb659fds"
"""Default ``cdk bootstrap`` qualifier; the app account's deployment role carries it."""


def partition(region: str) -> str:
    """The ARN partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def bounded_role_name(name: str) -> str:
    """``name`` if IAM accepts it, else a prefix plus a short hash that keeps it unique."""
    if len(name) <= IAM_ROLE_NAME_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: IAM_ROLE_NAME_MAX - 9]}-{digest}"


@dataclass(frozen=True)
class AccessNames:
    """Names and ARNs of one environment's identity chain, shared by both accounts."""

    config: PgplatConfig
    env: str

    @property
    def partition(self) -> str:
        return partition(self.config.region)

    @property
    def data_account(self) -> str:
        return self.config.account_of(self.env, "data")

    @property
    def app_account(self) -> str:
        return self.config.account_of(self.env, "app")

    @property
    def cross_account(self) -> bool:
        """Whether data and workloads live in different accounts (prod; dev shares one)."""
        return self.data_account != self.app_account

    def _role_arn(self, account: str, name: str) -> str:
        return f"arn:{self.partition}:iam::{account}:role/{name}"

    def data_role_name(self, user: DatabaseUser) -> str:
        """The data-account role allowed to connect as ``user``."""
        return bounded_role_name(f"pgplat-{self.config.name}-{self.env}-db-{user.name}")

    def data_role_arn(self, user: DatabaseUser) -> str:
        return self._role_arn(self.data_account, self.data_role_name(user))

    def workload_role_name(self, user: DatabaseUser) -> str:
        """The app-account role the pods of ``user``'s service account run as."""
        return bounded_role_name(f"pgplat-{self.config.name}-{self.env}-app-{user.name}")

    def workload_role_arn(self, user: DatabaseUser) -> str:
        return self._role_arn(self.app_account, self.workload_role_name(user))

    def peering_accepter_role_name(self) -> str:
        """The data-account role the app account's CloudFormation assumes to accept peering."""
        return bounded_role_name(f"pgplat-{self.config.name}-{self.env}-peering-accepter")

    def peering_accepter_role_arn(self) -> str:
        return self._role_arn(self.data_account, self.peering_accepter_role_name())

    def app_deploy_role_arn(self) -> str:
        """The role CloudFormation runs as in the app account (``cdk bootstrap`` default)."""
        region = self.config.region
        name = f"cdk-{CDK_QUALIFIER}-cfn-exec-role-{self.app_account}-{region}"
        return self._role_arn(self.app_account, name)

    def eks_cluster_arn(self) -> str:
        eks = self.config.environments.cloud()[self.env].eks
        assert eks is not None, "callers check that the environment has EKS"
        region = self.config.region
        return f"arn:{self.partition}:eks:{region}:{self.app_account}:cluster/{eks.cluster_name}"

    def oidc_issuer(self) -> str:
        """The IRSA issuer host/path, as IAM condition keys and provider ARNs spell it."""
        eks = self.config.environments.cloud()[self.env].eks
        assert eks is not None, "callers check that the environment has EKS"
        assert eks.oidc_provider_url is not None, "IRSA configs carry the issuer"
        return eks.oidc_provider_url.removeprefix("https://")

    def oidc_provider_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.app_account}:oidc-provider/{self.oidc_issuer()}"

    def user_secret_name(self, user: DatabaseUser) -> str:
        """Secrets Manager name of ``user``'s password secret (auth: secret)."""
        return f"{self.config.name}/{self.env}/users/{user.name}"

    def user_secret_partial_arn(self, user: DatabaseUser) -> str:
        """The secret's ARN without the random suffix; GetSecretValue accepts it."""
        return (
            f"arn:{self.partition}:secretsmanager:{self.config.region}:{self.data_account}"
            f":secret:{self.user_secret_name(user)}"
        )
