"""The identity chain in the synthesized examples: exact principals, conditions and resources.

innovate: EKS Pod Identity, an organisation id, one IAM user and one secret user.
northwind: IRSA, no organisation id, one secret user and one IAM user.
"""

from __future__ import annotations

from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.infra.access_names import AccessNames
from pgplat.infra.app import Synthesis
from tests.infra.access.templates import resources_of, role_named, statements_of

INNOVATE_CLUSTER = "arn:aws:eks:us-east-1:222222222222:cluster/innovate-prod"
NORTHWIND_ISSUER = "oidc.eks.eu-central-1.amazonaws.com/id/5C5D8A3E7F1B2C4D6E8F0A1B2C3D4E5F"


def _root(account: str) -> dict[str, Any]:
    return {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{account}:root"]]}}


@pytest.mark.parametrize(
    ("user", "workload", "database_resource"),
    [
        (
            "web",
            "arn:aws:iam::222222222222:role/pgplat-innovate-prod-app-web",
            "DBClusterResourceId",
        ),
        (
            "reporting",
            "arn:aws:iam::222222222222:role/pgplat-innovate-prod-app-reporting",
            "DBClusterResourceId",
        ),
    ],
)
def test_innovate_data_role_trusts_one_workload_role_in_the_org(
    innovate_synth: Synthesis, user: str, workload: str, database_resource: str
) -> None:
    _, role = role_named(innovate_synth, "innovate-prod-data", f"pgplat-innovate-prod-db-{user}")
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {
                "ArnEquals": {"aws:PrincipalArn": workload},
                "StringEquals": {"aws:PrincipalOrgID": "o-innovate123"},
            },
            "Effect": "Allow",
            "Principal": _root("222222222222"),
        }
    ]


def test_northwind_data_role_trust_has_no_org_condition_without_an_org(
    northwind_synth: Synthesis,
) -> None:
    _, role = role_named(northwind_synth, "northwind-prod-data", "pgplat-northwind-prod-db-bi")
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == {
        "ArnEquals": {
            "aws:PrincipalArn": "arn:aws:iam::555555555555:role/pgplat-northwind-prod-app-bi"
        }
    }
    assert statement["Principal"] == _root("555555555555")


def _database(synthesis: Synthesis, stack: str) -> tuple[str, str]:
    """The logical id of the database and the attribute holding its resource id."""
    clusters = resources_of(synthesis, stack, "AWS::RDS::DBCluster")
    if clusters:
        (logical_id,) = clusters
        return logical_id, "DBClusterResourceId"
    (logical_id,) = resources_of(synthesis, stack, "AWS::RDS::DBInstance")
    return logical_id, "DbiResourceId"


@pytest.mark.parametrize("example", ["innovate", "northwind"])
def test_rds_db_connect_names_exactly_the_database_and_user_of_iam_users_only(
    request: pytest.FixtureRequest, example: str
) -> None:
    synthesis: Synthesis = request.getfixturevalue(f"{example}_synth")
    config: PgplatConfig = request.getfixturevalue(example)
    stack = f"{config.name}-prod-data"
    database, attribute = _database(synthesis, stack)
    for user in config.database.users:
        logical_id, _ = role_named(synthesis, stack, f"pgplat-{config.name}-prod-db-{user.name}")
        connect = [
            s
            for s in statements_of(synthesis, stack, logical_id)
            if s["Action"] == "rds-db:connect"
        ]
        if user.auth == "secret":
            assert connect == [], f"{user.name} signs in with its secret, not an IAM token"
            continue
        assert connect == [
            {
                "Action": "rds-db:connect",
                "Effect": "Allow",
                "Resource": {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            f":rds-db:{config.region}:{config.accounts.data}:dbuser:",
                            {"Fn::GetAtt": [database, attribute]},
                            f"/{user.name}",
                        ],
                    ]
                },
            }
        ]


@pytest.mark.parametrize("example", ["innovate", "northwind"])
def test_only_secret_users_read_their_own_secret_and_decrypt_via_secrets_manager(
    request: pytest.FixtureRequest, example: str
) -> None:
    synthesis: Synthesis = request.getfixturevalue(f"{example}_synth")
    config: PgplatConfig = request.getfixturevalue(example)
    stack = f"{config.name}-prod-data"
    secrets = resources_of(synthesis, stack, "AWS::SecretsManager::Secret")
    attachments = resources_of(synthesis, stack, "AWS::SecretsManager::SecretTargetAttachment")
    for user in config.database.users:
        logical_id, _ = role_named(synthesis, stack, f"pgplat-{config.name}-prod-db-{user.name}")
        statements = statements_of(synthesis, stack, logical_id)
        reads = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
        decrypts = [s for s in statements if "kms:Decrypt" in s["Action"]]
        if user.auth == "iam":
            assert reads == []
            assert decrypts == []
            continue
        (read,) = reads
        (secret_id,) = [
            k
            for k, v in secrets.items()
            if v["Properties"]["Name"] == AccessNames(config, "prod").user_secret_name(user)
        ]
        (attachment_id,) = [
            k for k, v in attachments.items() if v["Properties"]["SecretId"] == {"Ref": secret_id}
        ]
        assert read["Resource"] == {"Ref": attachment_id}
        (decrypt,) = decrypts
        assert decrypt["Condition"] == {
            "StringEquals": {"kms:ViaService": f"secretsmanager.{config.region}.amazonaws.com"}
        }


def test_owned_key_policy_names_the_secret_reader(innovate_synth: Synthesis) -> None:
    stack = "innovate-prod-data"
    logical_id, _ = role_named(innovate_synth, stack, "pgplat-innovate-prod-db-reporting")
    (key,) = resources_of(innovate_synth, stack, "AWS::KMS::Key").values()
    readers = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s["Principal"] == {"AWS": {"Fn::GetAtt": [logical_id, "Arn"]}}
    ]
    (statement,) = readers
    assert "kms:Decrypt" in statement["Action"]
    assert statement["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    }


@pytest.mark.parametrize(
    ("user", "namespace", "service_account"),
    [("web", "web", "web-api"), ("reporting", "analytics", "reporting")],
)
def test_pod_identity_workload_role_trusts_pods_of_one_cluster_and_is_associated(
    innovate_synth: Synthesis, user: str, namespace: str, service_account: str
) -> None:
    stack = "innovate-prod-app"
    logical_id, role = role_named(innovate_synth, stack, f"pgplat-innovate-prod-app-{user}")
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {"aws:SourceAccount": "222222222222"},
                "ArnEquals": {"aws:SourceArn": INNOVATE_CLUSTER},
            },
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
        }
    ]
    associations = resources_of(innovate_synth, stack, "AWS::EKS::PodIdentityAssociation")
    assert {
        "ClusterName": "innovate-prod",
        "Namespace": namespace,
        "ServiceAccount": service_account,
        "RoleArn": {"Fn::GetAtt": [logical_id, "Arn"]},
    } in [{k: v for k, v in a["Properties"].items() if k != "Tags"} for a in associations.values()]


@pytest.mark.parametrize(
    ("user", "subject"), [("orders_api", "orders:orders-api"), ("bi", "bi:metabase")]
)
def test_irsa_workload_role_trusts_one_service_account_and_the_sts_audience(
    northwind_synth: Synthesis, user: str, subject: str
) -> None:
    _, role = role_named(northwind_synth, "northwind-prod-app", f"pgplat-northwind-prod-app-{user}")
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{NORTHWIND_ISSUER}:sub": f"system:serviceaccount:{subject}",
                    f"{NORTHWIND_ISSUER}:aud": "sts.amazonaws.com",
                }
            },
            "Effect": "Allow",
            "Principal": {
                "Federated": f"arn:aws:iam::555555555555:oidc-provider/{NORTHWIND_ISSUER}"
            },
        }
    ]
    assert (
        resources_of(northwind_synth, "northwind-prod-app", "AWS::EKS::PodIdentityAssociation")
        == {}
    )


@pytest.mark.parametrize("example", ["innovate", "northwind"])
def test_workload_role_may_only_assume_its_data_role(
    request: pytest.FixtureRequest, example: str
) -> None:
    synthesis: Synthesis = request.getfixturevalue(f"{example}_synth")
    config: PgplatConfig = request.getfixturevalue(example)
    names = AccessNames(config, "prod")
    stack = f"{config.name}-prod-app"
    for user in config.database.users:
        logical_id, role = role_named(synthesis, stack, names.workload_role_name(user))
        assert "Policies" not in role["Properties"]
        assert statements_of(synthesis, stack, logical_id) == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": names.data_role_arn(user)}
        ]


def test_dev_app_stack_deploys_to_the_nonprod_account(innovate_synth: Synthesis) -> None:
    assert {(s.name, s.role, s.account) for s in innovate_synth.stacks_of("dev")} >= {
        ("innovate-dev-app", "app", "333333333333"),
        ("innovate-dev-data", "data", "333333333333"),
    }
