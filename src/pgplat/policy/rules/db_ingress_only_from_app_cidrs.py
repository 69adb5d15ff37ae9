"""The database's security groups admit TCP on the database port from the configured app
VPC CIDRs only (and from security groups inside the data VPC, such as secret rotation)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from pgplat.naming import POSTGRES_PORT
from pgplat.policy.assembly import Resource
from pgplat.policy.rules._db import DATABASES
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, flat, verdict

_TCP = ("tcp", "6")


def db_ingress_only_from_app_cidrs(resource: Resource, context: Context) -> Verdict:
    if resource.type == "AWS::EC2::SecurityGroup":
        group: Resource | None = resource
        rules = list(resource.properties.get("SecurityGroupIngress", []))
    else:
        group = context.resolve(resource.properties.get("GroupId"))
        rules = [resource.properties]
    port = _database_port(group, context) if group is not None else None
    if port is None:
        return NOT_APPLICABLE
    allowed = _app_networks(context)
    problems = [p for rule in rules for p in _rule_problems(rule, port, allowed)]
    return verdict(not problems, "; ".join(problems))


def _database_port(group: Resource, context: Context) -> int | None:
    """The port of the database this group protects, or None when it protects none."""
    for database in context.resources(*DATABASES):
        for value in database.properties.get("VpcSecurityGroupIds", []):
            if context.references(value, group):
                return int(database.properties.get("Port", POSTGRES_PORT))
    return None


def _app_networks(context: Context) -> list[ipaddress.IPv4Network]:
    environment = context.config.environments.cloud().get(context.environment or "")
    cidrs = environment.network.app_cidrs if environment is not None else []
    return [ipaddress.IPv4Network(cidr) for cidr in cidrs]


def _rule_problems(
    rule: Mapping[str, Any],
    port: int,
    allowed: list[ipaddress.IPv4Network],
) -> Iterator[str]:
    ports = (rule.get("FromPort"), rule.get("ToPort"))
    if str(rule.get("IpProtocol")) not in _TCP or ports != (port, port):
        yield f"admits {rule.get('IpProtocol')} ports {ports[0]}-{ports[1]}, not tcp {port} only"
    if "CidrIpv6" in rule:
        yield f"admits IPv6 {rule['CidrIpv6']}"
    if "CidrIp" in rule and not _within(rule["CidrIp"], allowed):
        yield f"admits {flat(rule['CidrIp'])}, outside the app VPC CIDRs"


def _within(cidr: Any, allowed: list[ipaddress.IPv4Network]) -> bool:
    try:
        network = ipaddress.IPv4Network(cidr, strict=False)
    except (TypeError, ValueError):
        return False  # an intrinsic or IPv6: not provably inside an app VPC
    return any(network.subnet_of(a) for a in allowed)
