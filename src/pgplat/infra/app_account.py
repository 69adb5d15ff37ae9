"""The app-account stack: workload identities for the EKS pods and the app side of the network.

Each database user's Kubernetes service account gets its own workload role, through EKS Pod
Identity (a ``pods.eks.amazonaws.com`` trust pinned to the cluster, plus the association) or
IRSA (a web-identity trust on the cluster's OIDC issuer, pinned to
``system:serviceaccount:<ns>:<sa>`` and the STS audience). A workload role may do one thing:
assume its data-account role, whose ARN is derived from the config (see ``access_names``).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_eks as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from pgplat.config import PgplatConfig
from pgplat.config.model import DatabaseUser, Eks
from pgplat.infra.access_names import AccessNames
from pgplat.infra.connectivity import AppPeeringRequester, AppTransitGatewayAttachment

PODS_SERVICE = "pods.eks.amazonaws.com"
STS_AUDIENCE = "sts.amazonaws.com"


def service_account_subject(user: DatabaseUser) -> str:
    k8s = user.kubernetes
    return f"system:serviceaccount:{k8s.namespace}:{k8s.service_account}"


def workload_principal(names: AccessNames, cluster: Eks, user: DatabaseUser) -> iam.IPrincipal:
    """Who may become ``user``'s workload role: only that service account's pods."""
    if cluster.identity == "irsa":
        issuer = names.oidc_issuer()
        return iam.FederatedPrincipal(
            names.oidc_provider_arn(),
            conditions={
                "StringEquals": {
                    f"{issuer}:sub": service_account_subject(user),
                    f"{issuer}:aud": STS_AUDIENCE,
                }
            },
            assume_role_action="sts:AssumeRoleWithWebIdentity",
        )
    pods = iam.ServicePrincipal(PODS_SERVICE).with_conditions(
        {
            "StringEquals": {"aws:SourceAccount": names.app_account},
            "ArnEquals": {"aws:SourceArn": names.eks_cluster_arn()},
        }
    )
    return iam.SessionTagsPrincipal(pods)


class WorkloadRole(Construct):
    """The app-account role of one service account, allowed only to assume its data role."""

    def __init__(
        self, scope: Construct, id: str, *, names: AccessNames, cluster: Eks, user: DatabaseUser
    ) -> None:
        super().__init__(scope, id)
        self.role = iam.Role(
            self,
            "Role",
            role_name=names.workload_role_name(user),
            description=f"Pods of {user.kubernetes.namespace}/{user.kubernetes.service_account}",
            assumed_by=workload_principal(names, cluster, user),
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[names.data_role_arn(user)])
        )
        if cluster.identity == "pod-identity":
            eks.CfnPodIdentityAssociation(
                self,
                "PodIdentity",
                cluster_name=cluster.cluster_name,
                namespace=user.kubernetes.namespace,
                service_account=user.kubernetes.service_account,
                role_arn=self.role.role_arn,
            )


class AppAccessStack(Stack):
    """Everything pgplat puts in the app account for one environment."""

    def __init__(
        self, scope: Construct, id: str, *, config: PgplatConfig, env_name: str, **kwargs: Any
    ) -> None:
        super().__init__(scope, id, **kwargs)
        environment = config.environments.cloud()[env_name]
        names = AccessNames(config, env_name)
        network = environment.network
        if network.connectivity == "transit-gateway":
            AppTransitGatewayAttachment(self, "TransitGateway", network=network)
        else:
            AppPeeringRequester(self, "Peering", names=names, network=network)
        cluster = environment.eks
        self.workload_roles: dict[str, iam.Role] = {}
        if cluster is None:
            return
        for user in config.database.users:
            self.workload_roles[user.name] = WorkloadRole(
                self, f"Workload-{user.name}", names=names, cluster=cluster, user=user
            ).role
