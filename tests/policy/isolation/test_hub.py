"""The isolation proof over a network hub (accounts.network): the hub account serves both
environments, so each environment's hub stack is held to its own side — its share, its
route tables and its gateway — and every crossing there is exactly one finding."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from pgplat import naming
from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly
from pgplat.policy.isolation import prove_isolation
from tests.fixtures.hub import HUB_CONFIG
from tests.fixtures.policy import with_templates

Templates = dict[str, dict[str, Any]]
DATA, DEV = HUB_CONFIG.account_of("prod", "data"), HUB_CONFIG.account_of("dev", "data")
NETWORKS = {env: s.network for env, s in HUB_CONFIG.environments.cloud().items()}


@pytest.fixture(scope="module")
def hub_assembly(hub_synth: Any, hub_config: PgplatConfig) -> Assembly:
    return Assembly.of_synthesis(hub_synth, hub_config)


def _first(t: Templates, env: str, kind: str) -> tuple[str, dict[str, Any]]:
    """(logical id, properties) of the first ``kind`` in the environment's hub stack."""
    resources = t[naming.network_stack_name(HUB_CONFIG, env)]["Resources"]
    logical_id = next(k for k, v in resources.items() if v["Type"] == kind)
    properties: dict[str, Any] = resources[logical_id]["Properties"]
    return logical_id, properties


def prod_hub_shares_with_dev(t: Templates) -> tuple[str, str, str]:
    logical_id, share = _first(t, "prod", "AWS::RAM::ResourceShare")
    share["Principals"].append(DEV)
    return "ISO-001", "prod", logical_id


def prod_hub_routes_to_dev(t: Templates) -> tuple[str, str, str]:
    logical_id, route = _first(t, "prod", "AWS::EC2::TransitGatewayRoute")
    route["DestinationCidrBlock"] = NETWORKS["dev"].vpc_cidr
    return "ISO-002", "prod", logical_id


def prod_route_table_on_the_dev_gateway(t: Templates) -> tuple[str, str, str]:
    logical_id, table = _first(t, "prod", "AWS::EC2::TransitGatewayRouteTable")
    table["TransitGatewayId"] = NETWORKS["dev"].transit_gateway_id
    return "ISO-003", "prod", logical_id


def dev_route_table_on_the_prod_gateway(t: Templates) -> tuple[str, str, str]:
    logical_id, table = _first(t, "dev", "AWS::EC2::TransitGatewayRouteTable")
    table["TransitGatewayId"] = NETWORKS["prod"].transit_gateway_id
    return "ISO-003", "dev", logical_id


def dev_hub_routes_to_prod(t: Templates) -> tuple[str, str, str]:
    logical_id, route = _first(t, "dev", "AWS::EC2::TransitGatewayRoute")
    route["DestinationCidrBlock"] = NETWORKS["prod"].vpc_cidr
    return "ISO-002", "dev", logical_id


def dev_hub_shares_with_prod_data(t: Templates) -> tuple[str, str, str]:
    logical_id, share = _first(t, "dev", "AWS::RAM::ResourceShare")
    share["Principals"].append(DATA)
    return "ISO-006", "dev", logical_id


Mutation = Callable[[Templates], tuple[str, str, str]]
MUTATIONS: list[Mutation] = [
    prod_hub_shares_with_dev,
    prod_hub_routes_to_dev,
    prod_route_table_on_the_dev_gateway,
    dev_route_table_on_the_prod_gateway,
    dev_hub_routes_to_prod,
    dev_hub_shares_with_prod_data,
]


def test_the_hub_configuration_is_isolated(
    hub_assembly: Assembly, hub_config: PgplatConfig
) -> None:
    assert prove_isolation(hub_assembly, hub_config) == []


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.__name__ for m in MUTATIONS])
def test_a_hub_crossing_is_one_finding(
    hub_assembly: Assembly, hub_config: PgplatConfig, mutation: Mutation
) -> None:
    templates = copy.deepcopy({s.name: dict(s.template) for s in hub_assembly.stacks})
    rule_id, env, logical_id = mutation(templates)
    findings = prove_isolation(with_templates(hub_assembly, templates), hub_config)
    located = [(f.rule_id, f.stack, f.logical_id) for f in findings]
    stack = naming.network_stack_name(HUB_CONFIG, env)
    assert located == [(rule_id, stack, logical_id)], findings
