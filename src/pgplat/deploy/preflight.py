"""Before a deploy into ``network.existing_vpc``: what the templates cannot show, asked of AWS.

pgplat does not create an existing VPC, so the gate cannot prove from the templates that its
subnets are private (PGP-002 says so at ``info`` level). Here the data account's EC2 API is
asked instead: the VPC has the configured CIDR, each subnet is in it, in its configured zone,
maps no public IPs and is served by its configured route table, no route table leads to an
internet or NAT gateway or has a default route, and the interface endpoints are there exactly
when ``create_interface_endpoints`` says the VPC brings its own (pgplat's own endpoints, the
data stack's resources, do not count). Every problem is reported in one line, and the deploy
does not start.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pgplat import naming
from pgplat.config.model import ExistingVpc, PgplatConfig
from pgplat.errors import UserError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import (
        RouteTableTypeDef,
        RouteTypeDef,
        SubnetTypeDef,
        VpcTypeDef,
    )

ENDPOINT_SERVICES = ("secretsmanager", "kms", "sts", "logs", "monitoring")
"""What the database VPC calls (secret rotation, encryption, CloudWatch), by endpoint name."""
RESTORE_TEST_SERVICES = ("rds", "backup")
"""What the restore-test validator calls besides."""
_GATEWAYS = {
    "GatewayId": "an internet gateway",
    "NatGatewayId": "a NAT gateway",
    "EgressOnlyInternetGatewayId": "an egress-only internet gateway",
}
_DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")
_GONE = ("deleted", "deleting", "failed", "rejected", "expired")
"""Endpoint states that serve no traffic."""


def verify_existing_vpc(config: PgplatConfig, env: str) -> None:
    """Refuse to deploy ``env`` into an existing VPC that is not as its configuration says
    (nothing to do without ``network.existing_vpc``)."""
    existing = config.environments.cloud()[env].network.existing_vpc
    if existing is None:
        return
    from pgplat.aws.sessions import data_account_session

    session = data_account_session(config, env)
    owned = stack_endpoints(session.client("cloudformation"), naming.data_stack_name(config, env))
    problems = existing_vpc_problems(session.client("ec2"), config, env, owned)
    if problems:
        raise UserError(
            f"refusing to deploy {env}: environments.{env}.network.existing_vpc "
            f"{existing.vpc_id} is not as configured: {'; '.join(problems)}"
        )


def stack_endpoints(cloudformation: Any, stack: str) -> frozenset[str]:
    """The VPC endpoints ``stack`` has created (none before its first deploy)."""
    owned: set[str] = set()
    try:
        for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
            owned.update(
                r["PhysicalResourceId"]
                for r in page["StackResourceSummaries"]
                if r["ResourceType"] == "AWS::EC2::VPCEndpoint"
            )
    except cloudformation.exceptions.ClientError as exc:
        if "does not exist" not in str(exc):
            raise
    return frozenset(owned)


def existing_vpc_problems(
    ec2: EC2Client, config: PgplatConfig, env: str, owned_endpoints: frozenset[str] = frozenset()
) -> list[str]:
    """Every difference between the configured existing VPC of ``env`` and the one in AWS,
    each saying how to fix it; ``owned_endpoints`` are pgplat's own."""
    settings = config.environments.cloud()[env]
    existing = settings.network.existing_vpc
    assert existing is not None
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [existing.vpc_id]}])["Vpcs"]
    if not vpcs:
        return [
            f"there is no VPC {existing.vpc_id} in account {config.account_of(env, 'data')} "
            f"({config.region}); correct existing_vpc.vpc_id"
        ]
    cidr = settings.network.vpc_cidr
    problems = list(_cidr_problems(vpcs[0], cidr))
    ids = [s.subnet_id for s in existing.subnets]
    found = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": ids}])["Subnets"]
    subnets = {s.get("SubnetId", ""): s for s in found}
    problems += _subnet_problems(existing, subnets, cidr)
    inside = {i for i, s in subnets.items() if s.get("VpcId") == existing.vpc_id}
    problems += _route_problems(ec2, existing, inside)
    services = ENDPOINT_SERVICES + (RESTORE_TEST_SERVICES if settings.backup.restore_test else ())
    problems += _endpoint_problems(
        ec2, existing, f"com.amazonaws.{config.region}.", services, owned_endpoints
    )
    return problems


def _cidr_problems(vpc: VpcTypeDef, cidr: str) -> Iterator[str]:
    """Routes, NACL and security groups use vpc_cidr as the VPC's own address space."""
    primary = vpc.get("CidrBlock", "")
    if cidr != primary:
        yield (
            f"vpc_cidr {cidr} is not the primary CIDR of {vpc.get('VpcId')} ({primary}); set "
            "network.vpc_cidr to it"
        )


def _subnet_problems(
    existing: ExistingVpc, subnets: dict[str, SubnetTypeDef], cidr: str
) -> Iterator[str]:
    """Each configured subnet as AWS has it (``subnets``, by id): in the VPC and its primary
    CIDR, in its zone, private."""
    network = ipaddress.IPv4Network(cidr)
    for i, wanted in enumerate(existing.subnets):
        at = f"subnets[{i}] {wanted.subnet_id}"
        actual = subnets.get(wanted.subnet_id)
        if actual is None:
            yield f"{at} does not exist; correct its subnet_id"
            continue
        if actual.get("VpcId") != existing.vpc_id:
            yield f"{at} is in {actual.get('VpcId')}, not {existing.vpc_id}; list the VPC's subnets"
            continue
        zone = actual.get("AvailabilityZone")
        if zone != wanted.availability_zone:
            yield f"{at} is in {zone}, not {wanted.availability_zone}; set its availability_zone"
        if actual.get("MapPublicIpOnLaunch"):
            yield f"{at} gives instances public IPs; list private subnets only"
        block = actual.get("CidrBlock", "")
        if not ipaddress.IPv4Network(block).subnet_of(network):
            yield f"{at} ({block}) lies outside vpc_cidr {cidr}; list subnets of the primary CIDR"


def _route_problems(ec2: EC2Client, existing: ExistingVpc, inside: set[str]) -> Iterator[str]:
    """The route table serving each subnet of the VPC (``inside``) is the configured one, and
    no configured table leads out."""
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [existing.vpc_id]}])[
        "RouteTables"
    ]
    serving = _serving_tables(tables)
    for i, subnet in enumerate(existing.subnets):
        used = serving.get(subnet.subnet_id, serving.get("main"))
        if subnet.subnet_id in inside and used is not None and used != subnet.route_table_id:
            yield (
                f"subnets[{i}] {subnet.subnet_id} is served by route table {used}, not "
                f"{subnet.route_table_id}; set its route_table_id to {used}"
            )
    by_id = {t.get("RouteTableId"): t for t in tables}
    for table_id in dict.fromkeys(s.route_table_id for s in existing.subnets):
        table = by_id.get(table_id)
        if table is None:
            yield f"route table {table_id} is not in {existing.vpc_id}; correct route_table_id"
            continue
        yield from (
            f"route table {table_id} {p}" for p in _internet_routes(table.get("Routes", []))
        )


def _serving_tables(tables: list[RouteTableTypeDef]) -> dict[str, str]:
    """Route table id by subnet id (explicit associations), and the VPC's main one ('main')."""
    serving: dict[str, str] = {}
    for table in tables:
        for association in table.get("Associations", []):
            subnet = "main" if association.get("Main") else association.get("SubnetId")
            if subnet is not None:
                serving[subnet] = table.get("RouteTableId", "")
    return serving


def _internet_routes(routes: list[RouteTypeDef]) -> Iterator[str]:
    """The database subnets' way out: a gateway to the internet, or any default route."""
    for route in routes:
        destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
        for key, gateway in _GATEWAYS.items():
            target = str(route.get(key, ""))
            if target and (key != "GatewayId" or target.startswith("igw-")):
                yield f"routes {destination} to {gateway} {target}; remove the route"
        if destination in _DEFAULT_ROUTES:
            yield f"has a default route ({destination}); remove it (the database VPC has none)"


def _endpoint_problems(
    ec2: EC2Client,
    existing: ExistingVpc,
    prefix: str,
    services: tuple[str, ...],
    owned: frozenset[str],
) -> Iterator[str]:
    """Without create_interface_endpoints the VPC must have them; with it, it must not have
    others than pgplat's (their private DNS names would clash)."""
    endpoints = ec2.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [existing.vpc_id]}]
    )["VpcEndpoints"]
    private_dns = {
        e.get("ServiceName", "").removeprefix(prefix)
        for e in endpoints
        if e.get("VpcEndpointType") == "Interface"
        and e.get("PrivateDnsEnabled")
        and str(e.get("State", "")).lower() not in _GONE
        and e.get("VpcEndpointId") not in owned
    }
    if existing.create_interface_endpoints:
        clashing = [s for s in services if s in private_dns]
        if clashing:
            yield (
                "the VPC already has interface endpoints with private DNS for "
                f"{', '.join(clashing)}; set existing_vpc.create_interface_endpoints: false"
            )
        return
    missing = [s for s in services if s not in private_dns]
    if missing:
        yield (
            f"the VPC has no interface endpoint with private DNS for {', '.join(missing)}; "
            "add them, or set existing_vpc.create_interface_endpoints: true"
        )
