"""Credentials: RDS-managed master secret, one rotated secret per password user, IAM auth."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.infra.app import Synthesis, synthesize
from tests.infra.templates import cmk_arn, props, resources


@pytest.mark.parametrize(
    ("fixture", "stack", "secret_users", "days"),
    [
        ("innovate_synth", "innovate-prod-data", ["reporting"], 30),
        ("northwind_synth", "northwind-prod-data", ["orders_api"], 30),
        ("multi_az_cluster_synth", "northwind-prod-data", ["bi", "orders_api"], 7),
    ],
)
def test_one_rotated_secret_per_password_user(
    fixture: str, stack: str, secret_users: list[str], days: int, request: pytest.FixtureRequest
) -> None:
    """Rotated every ``secret_rotation_days``: 30 by default, 7 in the multi-AZ variant."""
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
        assert schedule["Properties"]["RotationRules"]["ScheduleExpression"] == f"rate({days} days)"
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


def test_master_secret_is_managed_by_rds(
    innovate_synth: Synthesis, multi_az_cluster_synth: Synthesis
) -> None:
    """The master is ``pgplat_admin`` unless ``master_username`` names another."""
    cluster = props(innovate_synth.template("innovate-prod-data"), "AWS::RDS::DBCluster")
    assert cluster["ManageMasterUserPassword"] is True
    assert cluster["MasterUsername"] == "pgplat_admin"
    dev = props(innovate_synth.template("innovate-dev-data"), "AWS::RDS::DBInstance")
    assert dev["MasterUsername"] == "pgplat_admin"
    chosen = props(multi_az_cluster_synth.template("northwind-prod-data"), "AWS::RDS::DBCluster")
    assert chosen["MasterUsername"] == "northwind_dba"


def test_multi_az_cluster_refuses_iam_users(northwind: PgplatConfig, tmp_path: Path) -> None:
    prod = northwind.environments.prod.model_copy(
        update={"multi_az_cluster": True, "kms_key_arn": None}
    )
    config = northwind.model_copy(
        update={"environments": northwind.environments.model_copy(update={"prod": prod})}
    )
    with pytest.raises(UserError, match="bi use auth: iam"):
        synthesize(config, tmp_path)
