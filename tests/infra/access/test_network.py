"""The network path in the synthesized examples: TGW / peering, routes, NACL, security group."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.infra.app_account import AppAccessStack
from tests.infra.access.data_side import data_transit_gateway
from tests.infra.access.templates import resources_of


def _template(synthesis: Synthesis, stack: str) -> Template:
    return Template.from_json(synthesis.template(stack))


def test_transit_gateway_is_closed_by_default_and_shared_with_the_app_account_only(
    innovate_synth: Synthesis,
) -> None:
    data = _template(innovate_synth, "innovate-prod-data")
    data.resource_count_is("AWS::EC2::TransitGateway", 1)
    data.has_resource_properties(
        "AWS::EC2::TransitGateway",
        {
            "AutoAcceptSharedAttachments": "disable",
            "DefaultRouteTableAssociation": "disable",
            "DefaultRouteTablePropagation": "disable",
        },
    )
    data.has_resource_properties(
        "AWS::RAM::ResourceShare",
        {"Principals": ["222222222222"], "AllowExternalPrincipals": False},
    )
    data.resource_count_is("AWS::EC2::TransitGatewayRouteTable", 2)
    data.resource_count_is("AWS::EC2::TransitGatewayRouteTablePropagation", 0)


def test_transit_gateway_routes_carry_only_the_two_cidrs(innovate_synth: Synthesis) -> None:
    tgw_routes = resources_of(innovate_synth, "innovate-prod-data", "AWS::EC2::TransitGatewayRoute")
    assert sorted(r["Properties"]["DestinationCidrBlock"] for r in tgw_routes.values()) == [
        "10.10.0.0/16",
        "10.20.0.0/16",
    ]
    vpc_routes = resources_of(innovate_synth, "innovate-prod-data", "AWS::EC2::Route")
    assert len(vpc_routes) == 3, "one route per database subnet route table"
    assert {r["Properties"]["DestinationCidrBlock"] for r in vpc_routes.values()} == {
        "10.10.0.0/16"
    }
    app_routes = resources_of(innovate_synth, "innovate-prod-app", "AWS::EC2::Route")
    assert [r["Properties"] for r in app_routes.values()] == [
        {
            "DestinationCidrBlock": "10.20.0.0/16",
            "RouteTableId": "rtb-0a1b2c3d4e5f60001",
            "TransitGatewayId": {"Ref": "TransitGatewayId"},
        }
    ]


def test_app_attachment_is_accepted_associated_and_routed_once_its_id_is_passed(
    innovate_synth: Synthesis,
) -> None:
    template = innovate_synth.template("innovate-prod-data")
    assert template["Parameters"]["AppVpc0AttachmentId"]["Default"] == ""
    gated = {
        v["Type"]
        for v in template["Resources"].values()
        if "AttachmentKnown" in v.get("Condition", "")
    }
    assert gated == {
        "Custom::AWS",
        "AWS::IAM::Policy",
        "AWS::EC2::TransitGatewayRouteTableAssociation",
        "AWS::EC2::TransitGatewayRoute",
    }
    (accept,) = resources_of(innovate_synth, "innovate-prod-data", "Custom::AWS").values()
    call = json.dumps(accept["Properties"]["Create"])
    assert "acceptTransitGatewayVpcAttachment" in call
    assert '{"Ref": "AppVpc0AttachmentId"}' in call
    app = _template(innovate_synth, "innovate-prod-app")
    app.has_resource_properties(
        "AWS::EC2::TransitGatewayAttachment",
        {
            "VpcId": "vpc-0a1b2c3d4e5f60718",
            "SubnetIds": [
                "subnet-0a1b2c3d4e5f60001",
                "subnet-0a1b2c3d4e5f60002",
                "subnet-0a1b2c3d4e5f60003",
            ],
        },
    )
    app.has_output("AppVpc0AttachmentId", {"Value": Match.any_value()})


def test_peering_requester_uses_the_accepter_role_and_routes_only_the_data_cidr(
    northwind_synth: Synthesis,
) -> None:
    app = _template(northwind_synth, "northwind-prod-app")
    app.has_resource_properties(
        "AWS::EC2::VPCPeeringConnection",
        {
            "VpcId": "vpc-0f1e2d3c4b5a69788",
            "PeerVpcId": {"Ref": "DataVpcId"},
            "PeerOwnerId": "444444444444",
            "PeerRegion": "eu-central-1",
            "PeerRoleArn": "arn:aws:iam::444444444444:role/pgplat-northwind-prod-peering-accepter",
        },
    )
    routes = resources_of(northwind_synth, "northwind-prod-app", "AWS::EC2::Route")
    assert sorted(
        (r["Properties"]["RouteTableId"], r["Properties"]["DestinationCidrBlock"])
        for r in routes.values()
    ) == [("rtb-0f1e2d3c4b5a69701", "172.20.0.0/16"), ("rtb-0f1e2d3c4b5a69702", "172.20.0.0/16")]
    assert resources_of(northwind_synth, "northwind-prod-data", "AWS::EC2::TransitGateway") == {}


def test_peering_accepter_role_is_trusted_by_the_app_deploy_role_only(
    northwind_synth: Synthesis,
) -> None:
    data = _template(northwind_synth, "northwind-prod-data")
    data.has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": "pgplat-northwind-prod-peering-accepter",
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Condition": {
                            "ArnEquals": {
                                "aws:PrincipalArn": "arn:aws:iam::555555555555:role/"
                                "cdk-hnb659fds-cfn-exec-role-555555555555-eu-central-1"
                            }
                        },
                        "Effect": "Allow",
                        "Principal": Match.any_value(),
                    }
                ],
                "Version": "2012-10-17",
            },
        },
    )
    data.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Action": "ec2:AcceptVpcPeeringConnection",
                            "Condition": {
                                "ArnEquals": {"ec2:AccepterVpc": Match.any_value()},
                                "ArnLike": {
                                    "ec2:RequesterVpc": [
                                        "arn:aws:ec2:eu-central-1:555555555555:vpc/vpc-0f1e2d3c4b5a69788"
                                    ]
                                },
                            },
                        }
                    )
                ]
            }
        },
    )
    routes = resources_of(northwind_synth, "northwind-prod-data", "AWS::EC2::Route")
    assert {r["Properties"]["DestinationCidrBlock"] for r in routes.values()} == {"172.21.0.0/16"}
    assert {r["Properties"]["VpcPeeringConnectionId"]["Ref"] for r in routes.values()} == {
        "AppVpc0PeeringConnectionId"
    }
    assert all(
        r["Condition"].startswith("AccessPeeringAppVpc0PeeringKnown") for r in routes.values()
    )


@pytest.mark.parametrize("example", ["innovate", "northwind"])
def test_database_subnet_nacl_admits_5432_and_return_traffic_from_app_cidrs_only(
    request: pytest.FixtureRequest, example: str
) -> None:
    synthesis: Synthesis = request.getfixturevalue(f"{example}_synth")
    config: PgplatConfig = request.getfixturevalue(example)
    network = config.environments.prod.network
    (app_cidr,) = network.app_cidrs
    entries = resources_of(synthesis, f"{config.name}-prod-data", "AWS::EC2::NetworkAclEntry")
    rules = sorted(
        (
            e["Properties"]["Egress"],
            e["Properties"]["CidrBlock"],
            e["Properties"]["Protocol"],
            str(e["Properties"].get("PortRange")),
            e["Properties"]["RuleAction"],
        )
        for e in entries.values()
    )
    assert rules == sorted(
        [
            (False, network.vpc_cidr, -1, "None", "allow"),
            (True, network.vpc_cidr, -1, "None", "allow"),
            (False, app_cidr, 6, str({"From": 5432, "To": 5432}), "allow"),
            (True, app_cidr, 6, str({"From": 1024, "To": 65535}), "allow"),
        ]
    )
    associations = resources_of(
        synthesis, f"{config.name}-prod-data", "AWS::EC2::SubnetNetworkAclAssociation"
    )
    assert len(associations) == network.max_azs


def test_dev_app_stack_asks_for_the_app_vpc_it_does_not_know(innovate_synth: Synthesis) -> None:
    parameters = innovate_synth.template("innovate-dev-app")["Parameters"]
    assert parameters["AppVpc0Id"]["Type"] == "AWS::EC2::VPC::Id"
    assert parameters["AppVpc0SubnetIds"]["Type"] == "List<AWS::EC2::Subnet::Id>"
    assert parameters["AppVpc0RouteTableId"]["AllowedPattern"] == "^rtb-([0-9a-f]{8}|[0-9a-f]{17})$"
    dev_data = innovate_synth.template("innovate-dev-data")["Resources"].values()
    assert "AWS::RAM::ResourceShare" not in {r["Type"] for r in dev_data}, "one account, no share"


def test_configured_transit_gateway_is_used_not_created(innovate: PgplatConfig) -> None:
    prod = innovate.environments.prod
    network = prod.network.model_copy(update={"transit_gateway_id": "tgw-0123456789abcdef0"})
    config = innovate.model_copy(
        update={
            "environments": innovate.environments.model_copy(
                update={"prod": prod.model_copy(update={"network": network})}
            )
        }
    )
    app = cdk.App()
    data = data_transit_gateway(app, config, network)
    app_stack = AppAccessStack(
        app,
        "App",
        config=config,
        env_name="prod",
        env=cdk.Environment(account="222222222222", region="us-east-1"),
    )
    data_template = Template.from_stack(data)
    data_template.resource_count_is("AWS::EC2::TransitGateway", 0)
    data_template.resource_count_is("AWS::RAM::ResourceShare", 0)
    data_template.has_resource_properties(
        "AWS::EC2::TransitGatewayAttachment", {"TransitGatewayId": "tgw-0123456789abcdef0"}
    )
    app_template = Template.from_stack(app_stack)
    assert "TransitGatewayId" not in app_template.to_json().get("Parameters", {})
    app_template.has_resource_properties(
        "AWS::EC2::TransitGatewayAttachment", {"TransitGatewayId": "tgw-0123456789abcdef0"}
    )
