"""The app-account stack: workload identities for the EKS pods and the app side of the network.

Each database user's Kubernetes service account gets its own workload role, through EKS Pod
Identity (a ``pods.eks.amazonaws.com`` trust pinned to the clusters, plus one association per
cluster) or IRSA (a web-identity trust on each cluster's OIDC issuer, pinned to
``system:serviceaccount:<ns>:<sa>`` and the STS audience), in exactly the clusters the user
is bound to (``kubernetes.clusters``, default every cluster of the environment). A workload role may do one thing:
assume its data-account role, whose ARN is derived from the config (see ``access_names``).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_eks as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from pgplat.config.model import DatabaseUser, Eks, PgplatConfig
from pgplat.infra.access_names import (
    PODS_SERVICE,
    STS_AUDIENCE,
    AccessNames,
    service_account_subject,
)
from pgplat.infra.connectivity import AppPeeringRequester, AppTransitGatewayAttachment


def workload_principal(
    names: AccessNames, clusters: list[Eks], user: DatabaseUser
) -> iam.IPrincipal:
    """Who may become ``user``'s workload role: only that service account's pods, and only in
    the ``clusters`` it is bound to (one trust statement per IRSA issuer, one for Pod Identity
    naming each of its clusters)."""
    principals: list[iam.IPrincipal] = []
    pods = [names.eks_cluster_arn(c) for c in clusters if c.identity == "pod-identity"]
    if pods:
        source = pods[0] if len(pods) == 1 else pods
        principals.append(
            iam.SessionTagsPrincipal(
                iam.ServicePrincipal(PODS_SERVICE).with_conditions(
                    {
                        "StringEquals": {"aws:SourceAccount": names.app_account},
                        "ArnEquals": {"aws:SourceArn": source},
                    }
                )
            )
        )
    for cluster in clusters:
        if cluster.identity == "irsa":
            issuer = names.oidc_issuer(cluster)
            principals.append(
                iam.FederatedPrincipal(
                    names.oidc_provider_arn(cluster),
                    conditions={
                        "StringEquals": {
                            f"{issuer}:sub": service_account_subject(user),
                            f"{issuer}:aud": STS_AUDIENCE,
                        }
                    },
                    assume_role_action="sts:AssumeRoleWithWebIdentity",
                )
            )
    return principals[0] if len(principals) == 1 else iam.CompositePrincipal(*principals)


def association_id(first: Eks, cluster: Eks) -> str:
    """The construct id of a Pod Identity association: the environment's ``first`` cluster
    keeps the id of the single-cluster templates, so adding a cluster replaces nothing."""
    return "PodIdentity" if cluster == first else f"PodIdentity-{cluster.cluster_name}"


class WorkloadRole(Construct):
    """The app-account role of one service account, allowed only to assume its data role,
    with a Pod Identity association in each Pod Identity cluster it runs in."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: AccessNames,
        clusters: list[Eks],
        first: Eks,
        user: DatabaseUser,
    ) -> None:
        super().__init__(scope, id)
        self.role = iam.Role(
            self,
            "Role",
            role_name=names.workload_role_name(user),
            description=f"Pods of {user.kubernetes.namespace}/{user.kubernetes.service_account}",
            assumed_by=workload_principal(names, clusters, user),
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[names.data_role_arn(user)])
        )
        for cluster in clusters:
            if cluster.identity == "pod-identity":
                eks.CfnPodIdentityAssociation(
                    self,
                    association_id(first, cluster),
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
            AppTransitGatewayAttachment(
                self,
                "TransitGateway",
                network=network,
                via_hub=config.routed_by_hub(env_name),
            )
        else:
            AppPeeringRequester(self, "Peering", names=names, network=network)
        self.workload_roles: dict[str, iam.Role] = {}
        if not environment.clusters:
            return
        for user in config.database.users:
            self.workload_roles[user.name] = WorkloadRole(
                self,
                f"Workload-{user.name}",
                names=names,
                clusters=environment.clusters_of(user),
                first=environment.clusters[0],
                user=user,
            ).role
