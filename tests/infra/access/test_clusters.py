"""Workload roles of an environment with several EKS clusters (the multi-AZ variant: northwind's
IRSA cluster, a second IRSA cluster and two Pod Identity clusters; bi bound to one of them).

Each role trusts exactly the clusters its user is bound to: one web-identity statement per
IRSA issuer, one pods.eks statement naming every Pod Identity cluster, one association per
(user, Pod Identity cluster); the chain check agrees and counts one finding per broken link.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.infra.access_names import AccessNames, service_account_subject
from pgplat.infra.app import Synthesis
from pgplat.policy.assembly import Assembly
from pgplat.policy.chain import check_chain
from tests.fixtures.policy import mutated
from tests.infra.access.templates import resources_of, role_named

STACK = "northwind-prod-app"
Templates = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def clusters_assembly(
    multi_az_cluster_synth: Synthesis, multi_az_cluster_config: PgplatConfig
) -> Assembly:
    return Assembly.of_synthesis(multi_az_cluster_synth, multi_az_cluster_config)


def _expected_trust(names: AccessNames, config: PgplatConfig, user: Any) -> list[dict[str, Any]]:
    """The trust statements of ``user``'s role, derived from the configuration alone."""
    clusters = config.environments.prod.clusters_of(user)
    pods = [names.eks_cluster_arn(c) for c in clusters if c.identity == "pod-identity"]
    statements: list[dict[str, Any]] = []
    if pods:
        statements.append(
            {
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": config.accounts.app},
                    "ArnEquals": {"aws:SourceArn": pods[0] if len(pods) == 1 else pods},
                },
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
            }
        )
    for cluster in clusters:
        if cluster.identity == "irsa":
            issuer = names.oidc_issuer(cluster)
            statements.append(
                {
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{issuer}:sub": service_account_subject(user),
                            f"{issuer}:aud": "sts.amazonaws.com",
                        }
                    },
                    "Effect": "Allow",
                    "Principal": {"Federated": names.oidc_provider_arn(cluster)},
                }
            )
    return statements


def test_each_role_trusts_exactly_the_clusters_of_its_user(
    multi_az_cluster_synth: Synthesis, multi_az_cluster_config: PgplatConfig
) -> None:
    config = multi_az_cluster_config
    names = AccessNames(config, "prod")
    orders, bi = config.database.users
    assert len(config.environments.prod.clusters_of(orders)) == 4
    assert [c.cluster_name for c in config.environments.prod.clusters_of(bi)] == ["northwind-batch"]
    for user in config.database.users:
        _, role = role_named(multi_az_cluster_synth, STACK, names.workload_role_name(user))
        trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust == _expected_trust(names, config, user), user.name


def test_one_association_per_user_and_pod_identity_cluster(
    multi_az_cluster_synth: Synthesis, multi_az_cluster_config: PgplatConfig
) -> None:
    names = AccessNames(multi_az_cluster_config, "prod")
    orders = multi_az_cluster_config.database.users[0]
    role, _ = role_named(multi_az_cluster_synth, STACK, names.workload_role_name(orders))
    associations = resources_of(multi_az_cluster_synth, STACK, "AWS::EKS::PodIdentityAssociation")
    found = [
        {k: v for k, v in a["Properties"].items() if k != "Tags"} | {"Id": logical_id}
        for logical_id, a in associations.items()
    ]
    arn = {"Fn::GetAtt": [role, "Arn"]}
    assert sorted(found, key=lambda a: a["ClusterName"]) == [
        {
            "ClusterName": cluster,
            "Namespace": "orders",
            "ServiceAccount": "orders-api",
            "RoleArn": arn,
            "Id": next(a["Id"] for a in found if a["ClusterName"] == cluster),
        }
        for cluster in ("northwind-edge", "northwind-edge-2")
    ], "bi runs in its IRSA cluster only"
    assert all(a["Id"].startswith("WorkloadordersapiPodIdentitynorthwindedge") for a in found), (
        "a cluster after the environment's first gets an association named after it"
    )


def test_the_chain_check_passes_every_user_cluster_pair(
    clusters_assembly: Assembly, multi_az_cluster_config: PgplatConfig
) -> None:
    assert check_chain(clusters_assembly, multi_az_cluster_config) == []


def _app(templates: Templates) -> dict[str, Any]:
    resources: dict[str, Any] = templates[STACK]["Resources"]
    return resources


def _trust_of(templates: Templates, role_name: str) -> list[dict[str, Any]]:
    (role,) = [r for r in _app(templates).values() if r["Properties"].get("RoleName") == role_name]
    statements: list[dict[str, Any]] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    return statements


def _without_association(cluster: str) -> Any:
    def mutate(templates: Templates) -> None:
        (logical_id,) = [
            k
            for k, v in _app(templates).items()
            if v["Type"] == "AWS::EKS::PodIdentityAssociation"
            and v["Properties"]["ClusterName"] == cluster
        ]
        del _app(templates)[logical_id]

    return mutate


def _pods_of_another_cluster(templates: Templates) -> None:
    pods = _trust_of(templates, "pgplat-northwind-prod-app-orders_api")[0]
    pods["Condition"]["ArnEquals"]["aws:SourceArn"].append(
        "arn:aws:eks:eu-central-1:555555555555:cluster/someone-elses"
    )


def _bi_trusts_another_issuer(templates: Templates) -> None:
    orders = _trust_of(templates, "pgplat-northwind-prod-app-orders_api")
    foreign = copy.deepcopy(next(s for s in orders if "id/5C5D" in str(s["Principal"])))
    foreign["Condition"]["StringEquals"] = {
        k.replace("orders:orders-api", "bi:metabase"): v.replace("orders:orders-api", "bi:metabase")
        for k, v in foreign["Condition"]["StringEquals"].items()
    }
    _trust_of(templates, "pgplat-northwind-prod-app-bi").append(foreign)


def _bi_associated_in_an_edge_cluster(templates: Templates) -> None:
    resources = _app(templates)
    (logical_id, association) = next(
        (k, v)
        for k, v in resources.items()
        if v["Type"] == "AWS::EKS::PodIdentityAssociation"
        and v["Properties"]["ClusterName"] == "northwind-edge"
    )
    (bi_role,) = [
        k for k, v in resources.items() if v["Properties"].get("RoleName", "").endswith("-bi")
    ]
    copied = copy.deepcopy(association)
    copied["Properties"].update(
        Namespace="bi", ServiceAccount="metabase", RoleArn={"Fn::GetAtt": [bi_role, "Arn"]}
    )
    resources[f"{logical_id}Bi"] = copied


def _drop_batch_trust(templates: Templates) -> None:
    orders = _trust_of(templates, "pgplat-northwind-prod-app-orders_api")
    orders[:] = [s for s in orders if "id/0A1B2C3D" not in str(s["Principal"])]


BROKEN = {
    "association missing in the second Pod Identity cluster": (
        _without_association("northwind-edge-2"),
        "northwind-edge-2",
    ),
    "pods of a cluster not configured": (_pods_of_another_cluster, "someone-elses"),
    "bi trusts an issuer of a cluster it is not bound to": (_bi_trusts_another_issuer, "id/5C5D"),
    "bi associated in a cluster it is not bound to": (
        _bi_associated_in_an_edge_cluster,
        "northwind-edge",
    ),
    "orders_api lost one IRSA cluster's trust": (_drop_batch_trust, "northwind-batch"),
}


@pytest.mark.parametrize(("mutate", "named"), list(BROKEN.values()), ids=list(BROKEN))
def test_each_broken_user_cluster_link_is_one_finding(
    clusters_assembly: Assembly, multi_az_cluster_config: PgplatConfig, mutate: Any, named: str
) -> None:
    findings = check_chain(mutated(clusters_assembly, mutate), multi_az_cluster_config)
    assert [f.rule_id for f in findings] == ["CHAIN-002"], findings
    assert named in findings[0].message
