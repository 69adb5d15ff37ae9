"""The preflight of a deploy into an existing VPC, against moto's EC2: every way the VPC can
differ from its configuration is one clause of one line, and a VPC as configured passes."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig
from pgplat.deploy import preflight
from pgplat.deploy.preflight import existing_vpc_problems, stack_endpoints, verify_existing_vpc
from pgplat.errors import ExitCode, UserError
from tests.fixtures.examples import INNOVATE
from tests.fixtures.synth import _serverless

REGION = "us-east-1"
CIDR = "10.20.0.0/16"  # innovate prod's vpc_cidr
ZONES = ("us-east-1b", "us-east-1c")


@dataclass
class World:
    """A data VPC in moto as the serverless variant's existing_vpc describes it."""

    ec2: Any
    vpc: str
    subnets: list[str]
    table: str

    def config(self, **subnet_changes: Any) -> PgplatConfig:
        document = yaml.safe_load(INNOVATE.read_text())
        _serverless(document)
        existing = copy.deepcopy(document["environments"]["prod"]["network"]["existing_vpc"])
        existing["vpc_id"] = self.vpc
        for subnet, subnet_id in zip(existing["subnets"], self.subnets, strict=True):
            subnet.update(subnet_id=subnet_id, route_table_id=self.table)
        existing["subnets"][1].update(subnet_changes)
        document["environments"]["prod"]["network"]["existing_vpc"] = existing
        return parse_config(yaml.safe_dump(document), "pgplat.yaml")

    def endpoints(self) -> dict[str, str]:
        vpc = [{"Name": "vpc-id", "Values": [self.vpc]}]
        found = self.ec2.describe_vpc_endpoints(Filters=vpc)["VpcEndpoints"]
        return {e["ServiceName"].rsplit(".", 1)[1]: e["VpcEndpointId"] for e in found}


def _world(ec2: Any) -> World:
    vpc = ec2.create_vpc(CidrBlock=CIDR)["Vpc"]["VpcId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    subnets = []
    for i, zone in enumerate(ZONES):
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=zone)
        subnets.append(subnet["Subnet"]["SubnetId"])
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnets[-1])
    for service in preflight.ENDPOINT_SERVICES + preflight.RESTORE_TEST_SERVICES:
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{REGION}.{service}",
            VpcEndpointType="Interface",
            SubnetIds=subnets,
            PrivateDnsEnabled=True,
        )
    return World(ec2, vpc, subnets, table)


@pytest.fixture(scope="module")
def ec2() -> Iterator[Any]:
    """One moto account for the module (each test builds VPCs of its own in it)."""
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.setenv(name, "testing")
        env.delenv("AWS_PROFILE", raising=False)
        env.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # a second saved: no instances here
        with mock_aws():
            yield boto3.client("ec2", region_name=REGION)


def _internet_gateway(w: World) -> dict[str, Any]:
    igw = w.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    w.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=w.vpc)
    w.ec2.create_route(RouteTableId=w.table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    return {}


def _public_ips(w: World) -> dict[str, Any]:
    w.ec2.modify_subnet_attribute(SubnetId=w.subnets[0], MapPublicIpOnLaunch={"Value": True})
    return {}


def _other_route_table(w: World) -> dict[str, Any]:
    other = w.ec2.create_route_table(VpcId=w.vpc)["RouteTable"]["RouteTableId"]
    tables = w.ec2.describe_route_tables(RouteTableIds=[w.table])["RouteTables"]
    for association in tables[0]["Associations"]:
        if association.get("SubnetId") == w.subnets[0]:
            w.ec2.replace_route_table_association(
                AssociationId=association["RouteTableAssociationId"], RouteTableId=other
            )
    return {}


def _missing_endpoint(w: World) -> dict[str, Any]:
    w.ec2.delete_vpc_endpoints(VpcEndpointIds=[w.endpoints()["kms"]])
    return {}


def _wrong_zone(w: World) -> dict[str, Any]:
    return {"availability_zone": "us-east-1a"}


def _foreign_subnet(w: World) -> dict[str, Any]:
    elsewhere = w.ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    subnet = w.ec2.create_subnet(
        VpcId=elsewhere, CidrBlock="10.99.0.0/24", AvailabilityZone=ZONES[1]
    )
    return {"subnet_id": subnet["Subnet"]["SubnetId"], "availability_zone": ZONES[1]}


BREAKAGES: dict[str, tuple[Callable[[World], dict[str, Any]], list[str]]] = {
    # what breaks it on AWS's side, returning what it changes of subnets[1] in the file
    "internet gateway": (_internet_gateway, ["to an internet gateway", "default route"]),
    "public ips": (_public_ips, ["gives instances public IPs"]),
    "other route table": (_other_route_table, ["is served by route table"]),
    "missing endpoint": (_missing_endpoint, ["no interface endpoint with private DNS for kms"]),
    "wrong zone": (_wrong_zone, ["is in us-east-1c, not us-east-1a"]),
    "foreign subnet": (_foreign_subnet, ["list the VPC's subnets"]),
}


def test_a_vpc_as_configured_passes(ec2: Any) -> None:
    world = _world(ec2)
    assert existing_vpc_problems(ec2, world.config(), "prod") == []


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sets(st.sampled_from(sorted(BREAKAGES)), min_size=1, max_size=3))
def test_every_difference_is_one_clause(ec2: Any, broken: set[str]) -> None:
    world = _world(ec2)
    changes: dict[str, Any] = {}
    for name in sorted(broken):
        changes |= BREAKAGES[name][0](world)
    config = world.config(**changes)
    expected = [fragment for name in broken for fragment in BREAKAGES[name][1]]
    if {"wrong zone", "foreign subnet"} <= broken:
        expected.remove("is in us-east-1c, not us-east-1a")
    problems = existing_vpc_problems(ec2, config, "prod")
    for fragment in expected:
        assert sum(fragment in p for p in problems) == 1, (fragment, problems)
    assert len(problems) == len(expected), problems


def test_the_deploy_is_refused_in_one_line(ec2: Any) -> None:
    """Through the data account's session, as `pgplat deploy` calls it."""
    world = _world(ec2)
    config = world.config(**_public_ips(world))
    with pytest.raises(UserError) as refused:
        verify_existing_vpc(config, "prod")
    message = str(refused.value)
    assert "\n" not in message
    assert refused.value.exit_code == ExitCode.USER_ERROR
    assert message.startswith(
        f"refusing to deploy prod: environments.prod.network.existing_vpc {world.vpc} is not as "
        f"configured: subnets[0] {world.subnets[0]} gives instances public IPs"
    )


def test_pgplat_endpoints_are_its_own_and_others_clash(ec2: Any) -> None:
    """With create_interface_endpoints the VPC's own endpoints would clash; the data stack's
    (after its first deploy) are pgplat's."""
    world = _world(ec2)
    document = world.config().model_dump(mode="json", by_alias=True, exclude_unset=True)
    document["environments"]["prod"]["network"]["existing_vpc"]["create_interface_endpoints"] = True
    config = PgplatConfig.model_validate(document)
    (clash,) = existing_vpc_problems(ec2, config, "prod")
    assert "already has interface endpoints with private DNS for secretsmanager" in clash
    owned = frozenset(world.endpoints().values())
    assert existing_vpc_problems(ec2, config, "prod", owned) == []
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    assert stack_endpoints(cloudformation, "innovate-prod-data") == frozenset()


def test_an_unknown_vpc_is_one_clause(ec2: Any) -> None:
    world = _world(ec2)
    missing = "vpc-0123456789abcdef0"
    config = World(ec2, missing, world.subnets, world.table).config()
    (problem,) = existing_vpc_problems(ec2, config, "prod")
    assert f"there is no VPC {missing} in account 111111111111" in problem


_ROUTE_TARGETS = {
    "GatewayId": st.sampled_from(["igw-0123456789abcdef0", "local", "vgw-0123456789abcdef0"]),
    "NatGatewayId": st.just("nat-0123456789abcdef0"),
    "EgressOnlyInternetGatewayId": st.just("eigw-0123456789abcdef0"),
    "TransitGatewayId": st.just("tgw-0123456789abcdef0"),
    "VpcPeeringConnectionId": st.just("pcx-0123456789abcdef0"),
}


@settings(deadline=None)
@given(
    st.sampled_from(sorted(_ROUTE_TARGETS)).flatmap(
        lambda key: _ROUTE_TARGETS[key].map(lambda value: (key, value))
    ),
    st.sampled_from(["10.10.0.0/16", "10.20.0.0/16", "0.0.0.0/0", "::/0"]),
)
def test_a_route_leads_out_through_a_gateway_or_as_a_default_route(
    target: tuple[str, str], destination: str
) -> None:
    key, value = target
    field = "DestinationIpv6CidrBlock" if ":" in destination else "DestinationCidrBlock"
    route: Any = {field: destination, key: value}
    found = list(preflight._internet_routes([route]))
    gateway = key in ("NatGatewayId", "EgressOnlyInternetGatewayId") or value.startswith("igw-")
    default = destination in ("0.0.0.0/0", "::/0")
    assert len(found) == gateway + default
