"""The database in an existing VPC (the serverless variant, ``EXISTING_VPC``): no VPC, subnet or
route table of pgplat's, everything else on the configured ids, and a gate that says what the
template cannot show instead of failing or passing it silently."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.policy.assembly import Assembly
from pgplat.policy.gate import run_check
from pgplat.policy.report import Report
from tests.fixtures.synth import EXISTING_VPC
from tests.infra.templates import cmk_arn, props, resources

STACK = "innovate-prod-data"
SUBNETS = [s["subnet_id"] for s in EXISTING_VPC["subnets"]]
ZONES = [s["availability_zone"] for s in EXISTING_VPC["subnets"]]
ROUTE_TABLE = "rtb-0e1d2c3b4a5968701"
"""Both subnets share it, so it gets each route once."""


@pytest.fixture(scope="module")
def template(serverless_synth: Synthesis) -> dict[str, Any]:
    return serverless_synth.template(STACK)


@pytest.fixture(scope="module")
def report(serverless_synth: Synthesis, serverless_config: PgplatConfig) -> Report:
    assembly = Assembly.of_synthesis(serverless_synth, serverless_config)
    return run_check(serverless_config, assembly, layers=["rules", "chain", "isolation"])


def test_pgplat_creates_no_vpc_subnet_route_table_or_gateway(template: dict[str, Any]) -> None:
    types = {r["Type"] for r in template["Resources"].values()}
    created = {
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::RouteTable",
        "AWS::EC2::SubnetRouteTableAssociation",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::VPCGatewayAttachment",
    }
    assert types & created == set()
    assert "RestrictDefaultSecurityGroup" not in json.dumps(template)  # not pgplat's group


def test_everything_else_is_put_on_the_configured_ids(template: dict[str, Any]) -> None:
    vpc_id = EXISTING_VPC["vpc_id"]
    assert props(template, "AWS::RDS::DBSubnetGroup")["SubnetIds"] == SUBNETS
    for group in resources(template, "AWS::EC2::SecurityGroup").values():
        assert group["Properties"]["VpcId"] == vpc_id
    assert props(template, "AWS::EC2::NetworkAcl")["VpcId"] == vpc_id
    associated = resources(template, "AWS::EC2::SubnetNetworkAclAssociation").values()
    assert sorted(a["Properties"]["SubnetId"] for a in associated) == SUBNETS
    attachment = props(template, "AWS::EC2::TransitGatewayAttachment")
    assert (attachment["VpcId"], attachment["SubnetIds"]) == (vpc_id, SUBNETS)
    (route,) = (r["Properties"] for r in resources(template, "AWS::EC2::Route").values())
    assert (route["RouteTableId"], route["DestinationCidrBlock"]) == (ROUTE_TABLE, "10.10.0.0/16")
    zones = {
        i["Properties"]["AvailabilityZone"]
        for i in resources(template, "AWS::RDS::DBInstance").values()
    }
    assert zones == set(ZONES)  # the subnets' zones, not the first configured ones


def test_flow_log_on_the_existing_vpc_encrypted_with_the_key(template: dict[str, Any]) -> None:
    flow_log = props(template, "AWS::EC2::FlowLog")
    assert (flow_log["ResourceId"], flow_log["ResourceType"]) == (EXISTING_VPC["vpc_id"], "VPC")
    assert flow_log["TrafficType"] == "ALL"
    group = template["Resources"][flow_log["LogGroupName"]["Ref"]]
    assert group["Properties"]["KmsKeyId"] == cmk_arn(template)


def test_no_endpoints_where_the_vpc_has_its_own(template: dict[str, Any]) -> None:
    """create_interface_endpoints: false, also for the restore-test validator's RDS and Backup."""
    assert resources(template, "AWS::EC2::VPCEndpoint") == {}


def test_the_gate_passes_and_says_what_it_cannot_prove(report: Report) -> None:
    assert report.passed, [f.message for f in report.failing]
    (unproven,) = [f for f in report.findings if f.rule_id == "PGP-002"]
    assert unproven.severity == "info"
    assert all(s in unproven.message for s in SUBNETS)
    assert "pgplat deploy" in unproven.message
