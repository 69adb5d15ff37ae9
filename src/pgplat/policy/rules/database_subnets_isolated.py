"""The database's subnets have no route to an internet or NAT gateway."""

from __future__ import annotations

from collections.abc import Iterator

from pgplat.policy.assembly import Resource
from pgplat.policy.rules.base import Context, Verdict, flat, truthy, verdict

_GATEWAYS = {
    "GatewayId": "an internet gateway",
    "NatGatewayId": "a NAT gateway",
    "EgressOnlyInternetGatewayId": "an egress-only internet gateway",
}
_DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")


def database_subnets_isolated(resource: Resource, context: Context) -> Verdict:
    problems: list[str] = []
    for value in resource.properties.get("SubnetIds", []):
        subnet = context.resolve(value)
        if subnet is None:
            problems.append(
                f"subnet {flat(value)} is not in the templates, so not provably private"
            )
            continue
        if truthy(subnet.properties.get("MapPublicIpOnLaunch")):
            problems.append(f"{subnet.logical_id} maps public IPs")
        problems.extend(f"{subnet.logical_id}: {p}" for p in _internet_routes(subnet, context))
    return verdict(not problems, "; ".join(problems))


def _internet_routes(subnet: Resource, context: Context) -> Iterator[str]:
    for association in context.resources("AWS::EC2::SubnetRouteTableAssociation"):
        if not context.references(association.properties.get("SubnetId"), subnet):
            continue
        table = context.resolve(association.properties.get("RouteTableId"))
        if table is None:
            continue
        for route in context.resources("AWS::EC2::Route"):
            if context.references(route.properties.get("RouteTableId"), table):
                yield from _route_problems(route, context)


def _route_problems(route: Resource, context: Context) -> Iterator[str]:
    props = route.properties
    for key, gateway in _GATEWAYS.items():
        target = props.get(key)
        if target is None:
            continue
        if key != "GatewayId" or _is_internet_gateway(target, context):
            yield f"route {route.logical_id} leads to {gateway}"
    destination = props.get("DestinationCidrBlock") or props.get("DestinationIpv6CidrBlock")
    if destination in _DEFAULT_ROUTES:
        yield f"route {route.logical_id} is a default route ({destination})"


def _is_internet_gateway(target: object, context: Context) -> bool:
    resource = context.resolve(target)
    if resource is not None:
        return resource.type == "AWS::EC2::InternetGateway"
    return flat(target).startswith("igw-")
