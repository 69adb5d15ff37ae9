"""The database's subnets have no route to an internet or NAT gateway."""

from __future__ import annotations

from collections.abc import Iterator

from pgplat.policy.assembly import Resource
from pgplat.policy.rules.base import Context, Verdict, flat, truthy, unprovable, verdict

_GATEWAYS = {
    "GatewayId": "an internet gateway",
    "NatGatewayId": "a NAT gateway",
    "EgressOnlyInternetGatewayId": "an egress-only internet gateway",
}
_DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")


def database_subnets_isolated(resource: Resource, context: Context) -> Verdict:
    problems: list[str] = []
    existing = _existing_subnets(context)
    unproven: list[str] = []
    for value in resource.properties.get("SubnetIds", []):
        subnet = context.resolve(value)
        if subnet is None and isinstance(value, str) and value in existing:
            problems.extend(f"{value}: {p}" for p in _routes_into(existing[value], context))
            unproven.append(value)
            continue
        if subnet is None:
            problems.append(
                f"subnet {flat(value)} is not in the templates, so not provably private"
            )
            continue
        if truthy(subnet.properties.get("MapPublicIpOnLaunch")):
            problems.append(f"{subnet.logical_id} maps public IPs")
        problems.extend(f"{subnet.logical_id}: {p}" for p in _internet_routes(subnet, context))
    if problems or not unproven:
        return verdict(not problems, "; ".join(problems))
    return unprovable(
        f"subnets {', '.join(unproven)} of network.existing_vpc are not in the templates, so "
        "only pgplat's routes in them are proven here; `pgplat deploy` verifies against AWS "
        "that their route tables lead to no internet or NAT gateway before deploying"
    )


def _existing_subnets(context: Context) -> dict[str, str]:
    """Route table by subnet id of the environment's network.existing_vpc (none without)."""
    environments = context.config.environments.cloud()
    settings = environments.get(context.environment) if context.environment else None
    existing = settings.network.existing_vpc if settings is not None else None
    return {s.subnet_id: s.route_table_id for s in existing.subnets} if existing else {}


def _routes_into(route_table_id: str, context: Context) -> Iterator[str]:
    """What the templates route through an existing subnet's route table."""
    for route in context.resources("AWS::EC2::Route"):
        if route.properties.get("RouteTableId") == route_table_id:
            yield from _route_problems(route, context)


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
