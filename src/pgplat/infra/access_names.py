"""Deterministic names and ARNs of the cross-account identity chain.

A CloudFormation stack cannot reference a resource in another account, so every value one
account needs from the other and that is fixed before deployment is derived here from the
configuration alone: the app stack names the data-account role it may assume, the data role
names the workload role it trusts, and the Kubernetes manifests carry both. Nothing in this
module imports the CDK, so manifests and checks stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgplat import naming
from pgplat.config.model import DatabaseUser, Eks, PgplatConfig

PODS_SERVICE = "pods.eks.amazonaws.com"
"""The principal EKS Pod Identity assumes workload roles as."""
STS_AUDIENCE = "sts.amazonaws.com"
"""The audience of the web-identity tokens IRSA pods present."""


def service_account_subject(user: DatabaseUser) -> str:
    """The ``sub`` claim of ``user``'s service account in an IRSA token."""
    k8s = user.kubernetes
    return f"system:serviceaccount:{k8s.namespace}:{k8s.service_account}"


@dataclass(frozen=True)
class AccessNames:
    """Names and ARNs of one environment's identity chain, shared by both accounts."""

    config: PgplatConfig
    env: str

    @property
    def partition(self) -> str:
        return naming.partition(self.config.region)

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
        return naming.role_arn(self.partition, account, name)

    def data_role_name(self, user: DatabaseUser) -> str:
        """The data-account role allowed to connect as ``user``."""
        return naming.data_role_name(self.config, self.env, user.name)

    def data_role_arn(self, user: DatabaseUser) -> str:
        return self._role_arn(self.data_account, self.data_role_name(user))

    def workload_role_name(self, user: DatabaseUser) -> str:
        """The app-account role the pods of ``user``'s service account run as."""
        return naming.workload_role_name(self.config, self.env, user.name)

    def workload_role_arn(self, user: DatabaseUser) -> str:
        return self._role_arn(self.app_account, self.workload_role_name(user))

    def peering_accepter_role_name(self) -> str:
        """The data-account role the app account's CloudFormation assumes to accept peering."""
        return naming.peering_accepter_role_name(self.config, self.env)

    def peering_accepter_role_arn(self) -> str:
        return self._role_arn(self.data_account, self.peering_accepter_role_name())

    def app_deploy_role_arn(self) -> str:
        """The role CloudFormation runs as in the app account (``cdk bootstrap`` default)."""
        name = naming.cdk_exec_role_name(self.app_account, self.config.region)
        return self._role_arn(self.app_account, name)

    def eks_cluster_arn(self, cluster: Eks) -> str:
        region, name = self.config.region, cluster.cluster_name
        return f"arn:{self.partition}:eks:{region}:{self.app_account}:cluster/{name}"

    def oidc_issuer(self, cluster: Eks) -> str:
        """An IRSA cluster's issuer host/path, as IAM condition keys and provider ARNs spell it."""
        assert cluster.oidc_provider_url is not None, "IRSA clusters carry the issuer"
        return cluster.oidc_provider_url.removeprefix("https://")

    def oidc_provider_arn(self, cluster: Eks) -> str:
        issuer = self.oidc_issuer(cluster)
        return f"arn:{self.partition}:iam::{self.app_account}:oidc-provider/{issuer}"

    def user_secret_name(self, user: DatabaseUser) -> str:
        """Secrets Manager name of ``user``'s password secret (auth: secret)."""
        return naming.user_secret_name(self.config, self.env, user.name)

    def user_secret_partial_arn(self, user: DatabaseUser) -> str:
        """The secret's ARN without the random suffix; GetSecretValue accepts it."""
        return (
            f"arn:{self.partition}:secretsmanager:{self.config.region}:{self.data_account}"
            f":secret:{self.user_secret_name(user)}"
        )
