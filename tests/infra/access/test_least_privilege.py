"""Least privilege across every synthesized template of both examples."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.policy.chain import render
from tests.infra.access.templates import all_resources

EXAMPLES = ["innovate", "northwind"]


def _statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    properties = resource.get("Properties", {})
    documents = [properties.get("PolicyDocument")] + [
        p["PolicyDocument"] for p in properties.get("Policies", [])
    ]
    return [s for d in documents if d for s in d["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(params=EXAMPLES)
def example(request: pytest.FixtureRequest) -> tuple[Synthesis, PgplatConfig]:
    return (
        request.getfixturevalue(f"{request.param}_synth"),
        request.getfixturevalue(request.param),
    )


def test_no_wildcard_resource_on_rds_db_connect(example: tuple[Synthesis, PgplatConfig]) -> None:
    synthesis, config = example
    connects = 0
    for stack, logical_id, resource in all_resources(synthesis):
        for statement in _statements(resource):
            actions = _as_list(statement["Action"])
            if not any(a in ("*", "rds-db:*", "rds-db:connect") for a in actions):
                continue
            connects += 1
            for target in _as_list(statement["Resource"]):
                text = render(target, config.region, config.accounts.data)
                assert "*" not in text, f"{stack}/{logical_id} connects to {text}"
    iam_users = [u for u in config.database.users if u.auth == "iam"]
    assert connects == len(iam_users) * len(config.environments.cloud())


def test_no_role_is_trusted_by_a_whole_account(example: tuple[Synthesis, PgplatConfig]) -> None:
    """Every trust of another account's root, and every trust of an access-layer role (named
    ``pgplat-…``), is pinned to one role of that account by ``aws:PrincipalArn``."""
    synthesis, _ = example
    cross_account = 0
    for stack, logical_id, resource in all_resources(synthesis):
        properties = resource.get("Properties", {})
        document = properties.get("AssumeRolePolicyDocument")
        ours = str(properties.get("RoleName", "")).startswith("pgplat-")
        for statement in (document or {}).get("Statement", []):
            principal = json.dumps(statement["Principal"])
            foreign = f":iam::{synthesis.stacks[stack].account}:root" not in principal
            if ":root" not in principal or not (foreign or ours):
                continue
            cross_account += foreign
            pinned = statement.get("Condition", {}).get("ArnEquals", {}).get("aws:PrincipalArn")
            assert isinstance(pinned, str), f"{stack}/{logical_id} trusts {principal}"
            assert ":role/" in pinned
            assert "*" not in pinned
    assert cross_account > 0


def test_no_route_or_rule_admits_a_cidr_outside_the_configured_vpcs(
    example: tuple[Synthesis, PgplatConfig],
) -> None:
    synthesis, config = example
    checked = 0
    for stack, logical_id, resource in all_resources(synthesis):
        network = config.environments.cloud()[synthesis.stacks[stack].env].network
        allowed = {network.vpc_cidr, *network.app_cidrs}
        properties = resource.get("Properties", {})
        kind = resource["Type"]
        if kind in ("AWS::EC2::Route", "AWS::EC2::TransitGatewayRoute"):
            cidrs = [properties["DestinationCidrBlock"]]
        elif kind == "AWS::EC2::NetworkAclEntry":
            cidrs = [properties["CidrBlock"]]
        elif kind == "AWS::EC2::SecurityGroupIngress":
            cidrs = [properties["CidrIp"]] if "CidrIp" in properties else []
        elif kind == "AWS::EC2::SecurityGroup":
            cidrs = [
                r["CidrIp"] for r in properties.get("SecurityGroupIngress", []) if "CidrIp" in r
            ]
        else:
            continue
        for cidr in cidrs:
            checked += 1
            assert cidr in allowed, f"{stack}/{logical_id} admits {cidr}"
    assert checked > 0
