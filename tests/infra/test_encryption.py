"""Encryption: one customer-managed key per environment, rotated, with a key policy that names
who may use it, and used for every encrypted thing in the stack."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from pgplat.infra.app import Synthesis
from pgplat.infra.encryption import DataKey
from tests.infra.templates import cmk_arn, props, resources, walk

KEY_PROPERTY = re.compile(r"(?i)^(kms.*key.*|.*kmskeyid|encryptionkeyarn|kmsmasterkeyid)$")
NORTHWIND_KEY = "arn:aws:kms:eu-central-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _key_references(template: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    return [
        (path, value)
        for path, value in walk(template["Resources"])
        if path and KEY_PROPERTY.match(path[-1]) and not isinstance(value, bool)
    ]


@pytest.mark.parametrize(
    ("fixture", "stack"),
    [
        ("innovate_synth", "innovate-prod-data"),
        ("innovate_synth", "innovate-dev-data"),
        ("multi_az_cluster_synth", "northwind-prod-data"),
        ("serverless_synth", "innovate-prod-data"),
    ],
)
def test_every_encryption_key_is_the_cmk(
    fixture: str, stack: str, request: pytest.FixtureRequest
) -> None:
    template = request.getfixturevalue(fixture).template(stack)
    references = _key_references(template)
    names = {path[-1].lower() for path, _ in references}
    # storage and master secret, Performance Insights, SNS, and the backup vault
    assert {
        "kmskeyid",
        "performanceinsightskmskeyid",
        "kmsmasterkeyid",
        "encryptionkeyarn",
    } <= names
    for path, value in references:
        assert value == cmk_arn(template), "/".join(path)


def test_existing_key_is_used_everywhere_when_configured(northwind_synth: Synthesis) -> None:
    template = northwind_synth.template("northwind-prod-data")
    assert resources(template, "AWS::KMS::Key") == {}
    references = _key_references(template)
    assert len(references) >= 6
    for path, value in references:
        assert value == NORTHWIND_KEY, "/".join(path)


def test_storage_is_encrypted(data_template: dict[str, Any]) -> None:
    databases = [
        *resources(data_template, "AWS::RDS::DBCluster").values(),
        *(
            i
            for i in resources(data_template, "AWS::RDS::DBInstance").values()
            if "DBClusterIdentifier" not in i["Properties"]
        ),
    ]
    assert len(databases) == 1
    assert databases[0]["Properties"]["StorageEncrypted"] is True


def test_key_rotates_and_is_retained(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    (key,) = resources(template, "AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


def test_key_policy_names_who_may_use_it(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    statements = props(template, "AWS::KMS::Key")["KeyPolicy"]["Statement"]
    by_sid = {s["Sid"]: s for s in statements if "Sid" in s}
    assert set(by_sid) >= {
        "AccountAdministersButDoesNotUse",
        "UseViaRds",
        "UseViaSecretsmanager",
        "UseViaBackup",
        "CloudWatchLogsEncryptsLogGroups",
        "AlarmsAndRdsEventsPublishToTopic",
    }
    for statement in statements:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert "kms:*" not in actions
    # Statements added later (by the CDK's Secret construct for the account, by
    # grant_secret_read for named roles) only ever allow use through Secrets Manager.
    for grant in (s for s in statements if "Sid" not in s):
        assert grant["Condition"]["StringEquals"]["kms:ViaService"].startswith("secretsmanager.")
        if ":root" not in str(grant["Principal"]):
            assert set(grant["Action"]) <= {"kms:Decrypt", "kms:DescribeKey"}
    admin = by_sid["AccountAdministersButDoesNotUse"]
    assert not {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"} & set(admin["Action"])
    for sid in ("UseViaRds", "UseViaSecretsmanager", "UseViaBackup"):
        conditions = by_sid[sid]["Condition"]["StringEquals"]
        assert conditions["kms:CallerAccount"] == "111111111111"
        assert conditions["kms:ViaService"].endswith(".us-east-1.amazonaws.com")


def test_secret_read_grant_names_the_principal_in_the_key_policy() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Grant", env=cdk.Environment(account="111111111111", region="us-east-1"))
    key = DataKey(stack, "Key", alias="alias/grant-test", existing_key_arn=None)
    role = iam.Role(stack, "UserRole", assumed_by=iam.AccountRootPrincipal())
    key.grant_secret_read(role)
    template = Template.from_stack(stack).to_json()
    statements = props(template, "AWS::KMS::Key")["KeyPolicy"]["Statement"]
    named = [s for s in statements if "UserRole" in str(s["Principal"])]
    assert len(named) == 1
    assert named[0]["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert named[0]["Condition"]["StringEquals"]["kms:ViaService"] == (
        "secretsmanager.us-east-1.amazonaws.com"
    )
    policy = props(template, "AWS::IAM::Policy")["PolicyDocument"]["Statement"]
    assert policy[0]["Action"] == ["kms:Decrypt", "kms:DescribeKey"]


def test_grant_on_an_existing_key_is_an_iam_policy_only() -> None:
    app = cdk.App()
    stack = cdk.Stack(
        app, "Grant", env=cdk.Environment(account="444444444444", region="eu-central-1")
    )
    key = DataKey(stack, "Key", alias="alias/unused", existing_key_arn=NORTHWIND_KEY)
    role = iam.Role(stack, "UserRole", assumed_by=iam.AccountRootPrincipal())
    key.grant_secret_read(role)
    template = Template.from_stack(stack).to_json()
    assert resources(template, "AWS::KMS::Key") == {}
    (statement,) = props(template, "AWS::IAM::Policy")["PolicyDocument"]["Statement"]
    assert statement["Resource"] == NORTHWIND_KEY
    assert statement["Condition"]["StringEquals"]["kms:ViaService"] == (
        "secretsmanager.eu-central-1.amazonaws.com"
    )
