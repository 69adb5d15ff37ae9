"""Credentials: RDS-managed master secret, one rotated secret per password user, IAM auth."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgplat.config import PgplatConfig
from pgplat.errors import UserError
from pgplat.infra.app import Synthesis, synthesize
from tests.infra.templates import cmk_arn, props, resources


@pytest.mark.parametrize(
    ("fixture", "stack", "secret_users"),
    [
        ("innovate_synth", "innovate-prod-data", ["reporting"]),
        ("northwind_synth", "northwind-prod-data", ["orders_api"]),
        ("multi_az_cluster_synth", "northwind-prod-data", ["bi", "orders_api"]),
    ],
)
def test_one_rotated_secret_per_password_user(
    fixture: str, stack: str, secret_users: list[str], request: pytest.FixtureRequest
) -> None:
    template = request.getfixturevalue(fixture).template(stack)
    prefix = stack.removesuffix("-data").replace("-", "/")
    secrets = [s["Properties"] for s in resources(template, "AWS::SecretsManager::Secret").values()]
    assert sorted(s["Name"] for s in secrets) == [f"{prefix}/users/{u}" for u in secret_users]
    for secret in secrets:
        assert "SecretString" not in secret
        assert secret["GenerateSecretString"]["GenerateStringKey"] == "password"
        if resources(template, "AWS::KMS::Key"):
            assert secret["KmsKeyId"] == cmk_arn(template)
    schedules = resources(template, "AWS::SecretsManager::RotationSchedule").values()
    assert len(schedules) == len(secret_users)
    for schedule in schedules:
        assert schedule["Properties"]["RotationRules"]["ScheduleExpression"] == "rate(30 days)"
    attachments = resources(template, "AWS::SecretsManager::SecretTargetAttachment")
    assert len(attachments) == len(secret_users)
    rotations = resources(template, "AWS::Serverless::Application").values()
    assert len(rotations) == len(secret_users)
    for rotation in rotations:
        (mapping,) = {rotation["Properties"]["Location"]["ApplicationId"]["Fn::FindInMap"][0]}
        assert "PostgreSQLRotationMultiUser" in str(template["Mappings"][mapping])
        assert "vpcSubnetIds" in rotation["Properties"]["Parameters"]


def test_iam_users_get_no_secret(innovate: PgplatConfig, innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    names = [
        s["Properties"]["Name"] for s in resources(template, "AWS::SecretsManager::Secret").values()
    ]
    iam_users = [u.name for u in innovate.database.users if u.auth == "iam"]
    assert iam_users
    assert not [n for n in names for u in iam_users if n.endswith(f"/{u}")]


def test_master_secret_is_managed_by_rds(innovate_synth: Synthesis) -> None:
    cluster = props(innovate_synth.template("innovate-prod-data"), "AWS::RDS::DBCluster")
    assert cluster["ManageMasterUserPassword"] is True
    assert cluster["MasterUsername"] == "postgres"


def test_multi_az_cluster_refuses_iam_users(northwind: PgplatConfig, tmp_path: Path) -> None:
    prod = northwind.environments.prod.model_copy(
        update={"multi_az_cluster": True, "kms_key_arn": None}
    )
    config = northwind.model_copy(
        update={"environments": northwind.environments.model_copy(update={"prod": prod})}
    )
    with pytest.raises(UserError, match="bi use auth: iam"):
        synthesize(config, tmp_path)
