"""Bootstrap: least-privilege execution policies from the real templates, applied with moto."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from pgplat.config.model import PgplatConfig
from pgplat.deploy.bootstrap import (
    AccountBootstrap,
    bootstrap_arguments,
    bootstrap_lines,
    ensure_policy,
    plan_bootstrap,
)
from pgplat.deploy.plan import deployment_order, read_assembly
from pgplat.infra.app import Synthesis


@pytest.fixture(scope="module")
def items(innovate: PgplatConfig, innovate_synth: Synthesis) -> list[AccountBootstrap]:
    plan = deployment_order(read_assembly(innovate, innovate_synth.outdir / "prod", "prod"))
    return plan_bootstrap(innovate, plan)


def _data(items: list[AccountBootstrap]) -> AccountBootstrap:
    return next(i for i in items if i.role == "data")


def test_one_bootstrap_per_account_and_region(
    items: list[AccountBootstrap], innovate: PgplatConfig
) -> None:
    data = _data(items)
    assert data.account == innovate.accounts.data
    # the cross-region backup copy vault lives in the copy region: it is bootstrapped too
    assert data.regions == ("us-east-1", "us-west-2")


def test_execution_policy_is_not_administrator_access(items: list[AccountBootstrap]) -> None:
    for item in items:
        actions = [
            a
            for st in item.policy["Statement"]
            for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
        ]
        assert "*" not in actions
        assert "iam:*" not in [
            a
            for st in item.policy["Statement"]
            if st["Resource"] == "*"
            for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
        ]
        assert len(json.dumps(item.policy)) < 6144  # IAM managed policy size limit


def test_data_policy_names_only_the_services_its_stacks_use(
    items: list[AccountBootstrap], innovate_synth: Synthesis
) -> None:
    services = set(_data(items).policy["Statement"][0]["Action"])
    assert {
        "rds:*",
        "kms:*",
        "ec2:*",
        "secretsmanager:*",
        "backup:*",
        "cloudformation:*",
    } <= services
    assert not {"dynamodb:*", "sqs:*", "redshift:*", "*"} & services
    data_types = {
        r["Type"]
        for s in innovate_synth.stacks_of("prod", "data")
        for r in innovate_synth.template(s.name)["Resources"].values()
    }
    assert ("s3:*" in services) == any(t.startswith("AWS::S3::") for t in data_types)


def test_iam_changes_are_confined_to_owned_names(
    items: list[AccountBootstrap], innovate: PgplatConfig
) -> None:
    owned = next(st for st in _data(items).policy["Statement"] if st["Sid"] == "OwnedIdentities")
    assert all(
        r.endswith("*") and (f"/{innovate.name}-" in r or "/pgplat-" in r or "oidc-provider" in r)
        for r in owned["Resource"]
    )


def test_bootstrap_command_uses_the_policy_and_trust(
    items: list[AccountBootstrap], innovate: PgplatConfig
) -> None:
    config = innovate.model_copy(
        update={"deploy": innovate.deploy.model_copy(update={"trusted_account": "999999999999"})}
    )
    args = bootstrap_arguments(config, _data(items))
    assert args[:3] == ["bootstrap", "aws://111111111111/us-east-1", "aws://111111111111/us-west-2"]
    assert args[args.index("--cloudformation-execution-policies") + 1] == _data(items).policy_arn
    assert args[args.index("--trust") + 1] == "999999999999"
    assert "--trust" not in bootstrap_arguments(innovate, _data(items))
    lines = bootstrap_lines(innovate, items, "cdk.out/bootstrap")
    assert any("aws iam create-policy" in line and "111111111111.json" in line for line in lines)


@mock_aws
def test_policy_is_created_then_versioned(items: list[AccountBootstrap]) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    item = _data(items)
    item = AccountBootstrap(item.role, "123456789012", item.regions, item.policy_name, item.policy)
    assert ensure_policy(iam, item) == "created"
    for _ in range(6):  # more updates than IAM keeps versions
        assert ensure_policy(iam, item) == "updated"
    versions = iam.list_policy_versions(PolicyArn=item.policy_arn)["Versions"]
    assert len(versions) <= 5
    default = next(v for v in versions if v["IsDefaultVersion"])
    document = iam.get_policy_version(PolicyArn=item.policy_arn, VersionId=default["VersionId"])
    assert document["PolicyVersion"]["Document"]["Statement"][0]["Sid"] == "StackServices"
