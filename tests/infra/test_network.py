"""Network: isolated subnets across the configured AZs, no internet path, endpoints, flow
logs, subnet group, and a database security group open to the application VPCs only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from tests.infra.conftest import SHAPES
from tests.infra.templates import assertions, cmk_arn, props, resources

ENDPOINT_SERVICES = {"secretsmanager", "kms", "sts", "logs", "monitoring"}


def test_no_internet_path(data_template: dict[str, Any]) -> None:
    for resource_type in (
        "AWS::EC2::InternetGateway",
        "AWS::EC2::NatGateway",
        "AWS::EC2::EgressOnlyInternetGateway",
        "AWS::EC2::EIP",
    ):
        assert resources(data_template, resource_type) == {}
    for subnet in resources(data_template, "AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False
    for route in resources(data_template, "AWS::EC2::Route").values():
        assert not {"GatewayId", "NatGatewayId", "EgressOnlyInternetGatewayId"} & set(
            route["Properties"]
        )


def test_no_open_cidr_anywhere(data_template: dict[str, Any]) -> None:
    text = json.dumps(data_template)
    assert "0.0.0.0/0" not in text
    assert "::/0" not in text


def test_isolated_subnets_span_the_configured_zones(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    template = innovate_synth.template("innovate-prod-data")
    zones = sorted(
        s["Properties"]["AvailabilityZone"]
        for s in resources(template, "AWS::EC2::Subnet").values()
    )
    assert zones == innovate.availability_zones[: innovate.environments.prod.network.max_azs]
    assert props(template, "AWS::EC2::VPC")["CidrBlock"] == "10.20.0.0/16"


@pytest.mark.parametrize(
    "data_template",
    sorted(set(SHAPES) - {"serverless"}),  # its existing VPC has them (test_existing_vpc)
    indirect=True,
)
def test_interface_endpoints_for_what_the_database_needs(data_template: dict[str, Any]) -> None:
    endpoints = resources(data_template, "AWS::EC2::VPCEndpoint").values()
    services = set()
    for endpoint in endpoints:
        assert endpoint["Properties"]["VpcEndpointType"] == "Interface"
        assert endpoint["Properties"]["PrivateDnsEnabled"] is True
        name = json.dumps(endpoint["Properties"]["ServiceName"])
        services |= {s for s in ENDPOINT_SERVICES if f".{s}" in name}
    assert services == ENDPOINT_SERVICES


def test_flow_logs_go_to_a_log_group_encrypted_with_the_cmk(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    flow_log = props(template, "AWS::EC2::FlowLog")
    assert flow_log["TrafficType"] == "ALL"
    assert flow_log["LogDestinationType"] == "cloud-watch-logs"
    group_id = flow_log["LogGroupName"]["Ref"]
    assert template["Resources"][group_id]["Properties"]["KmsKeyId"] == cmk_arn(template)


def test_subnet_group_uses_the_isolated_subnets(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    group = props(template, "AWS::RDS::DBSubnetGroup")
    assert sorted(s["Ref"] for s in group["SubnetIds"]) == sorted(
        resources(template, "AWS::EC2::Subnet")
    )


def test_database_port_open_to_app_vpcs_only(
    northwind: PgplatConfig, northwind_synth: Synthesis
) -> None:
    template = northwind_synth.template("northwind-prod-data")
    assertions(northwind_synth, "northwind-prod-data").has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": Match.string_like_regexp("5432 from the application VPCs"),
            "SecurityGroupIngress": [
                {"CidrIp": cidr, "FromPort": 5432, "ToPort": 5432, "IpProtocol": "tcp"}
                | {"Description": Match.any_value()}
                for cidr in northwind.environments.prod.network.app_cidrs
            ],
            "SecurityGroupEgress": [
                Match.object_like({"CidrIp": "255.255.255.255/32", "IpProtocol": "icmp"})
            ],
        },
    )
    # The only other way in is the secret rotation function's own security group.
    (db_group,) = (
        k
        for k, v in resources(template, "AWS::EC2::SecurityGroup").items()
        if "5432 from the application VPCs" in v["Properties"]["GroupDescription"]
    )
    into_db = [
        r["Properties"]
        for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [db_group, "GroupId"]}
    ]
    (ingress,) = into_db
    assert ingress["FromPort"] == ingress["ToPort"] == 5432
    assert "RotationSecurityGroup" in ingress["SourceSecurityGroupId"]["Fn::GetAtt"][0]


def test_every_security_group_restricts_egress(data_template: dict[str, Any]) -> None:
    for group in resources(data_template, "AWS::EC2::SecurityGroup").values():
        egress = group["Properties"].get("SecurityGroupEgress", [])
        assert all(rule.get("CidrIp") != "0.0.0.0/0" for rule in egress)
        assert egress, "a security group without egress rules allows all outbound traffic"
