"""The chain check through a network hub's stack (CHAIN-012): workload → app VPC route → the
hub's TGW → its route tables → the data attachment → the database's security group. The hub
configuration passes; each over-broad or missing link of the hub is exactly one finding."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat import naming
from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly
from pgplat.policy.chain import check_chain
from tests.fixtures.hub import HUB_CONFIG, HUB_ENVS
from tests.fixtures.policy import with_templates

Templates = dict[str, dict[str, Any]]
Mutation = Callable[[Templates, str], None]


@pytest.fixture(scope="module")
def hub_assembly(hub_synth: Any, hub_config: PgplatConfig) -> Assembly:
    return Assembly.of_synthesis(hub_synth, hub_config)


def _hub(t: Templates, env: str) -> dict[str, Any]:
    resources: dict[str, Any] = t[naming.network_stack_name(HUB_CONFIG, env)]["Resources"]
    return resources


def _of_type(t: Templates, env: str, kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in _hub(t, env).items() if v["Type"] == kind}


def _route_to(cidr: str) -> Mutation:
    """A route in the data table (the one the app attachments' routes are in) to ``cidr``."""

    def mutate(t: Templates, env: str) -> None:
        route = next(
            r
            for r in _of_type(t, env, "AWS::EC2::TransitGatewayRoute").values()
            if "AppVpc0" in str(r["Properties"]["TransitGatewayAttachmentId"])
        )
        _hub(t, env)["StrayRoute"] = {
            **copy.deepcopy(route),
            "Properties": {**route["Properties"], "DestinationCidrBlock": cidr},
        }

    return mutate


def _propagation(t: Templates, env: str) -> None:
    table = next(iter(_of_type(t, env, "AWS::EC2::TransitGatewayRouteTable")))
    _hub(t, env)["Propagation"] = {
        "Type": "AWS::EC2::TransitGatewayRouteTablePropagation",
        "Properties": {
            "TransitGatewayAttachmentId": {"Ref": "AppVpc0AttachmentId"},
            "TransitGatewayRouteTableId": {"Ref": table},
        },
    }


def _shared_with_another_account(t: Templates, env: str) -> None:
    (share,) = _of_type(t, env, "AWS::RAM::ResourceShare").values()
    share["Properties"]["Principals"].append("999999999999")


def _shared_outside_the_organisation(t: Templates, env: str) -> None:
    (share,) = _of_type(t, env, "AWS::RAM::ResourceShare").values()
    share["Properties"]["AllowExternalPrincipals"] = True


def _without_association(attachment: str) -> Mutation:
    def mutate(t: Templates, env: str) -> None:
        associations = _of_type(t, env, "AWS::EC2::TransitGatewayRouteTableAssociation")
        (logical_id,) = [
            k
            for k, v in associations.items()
            if attachment in str(v["Properties"]["TransitGatewayAttachmentId"])
        ]
        del _hub(t, env)[logical_id]

    return mutate


MUTATIONS: dict[str, Mutation] = {
    "route to the internet": _route_to("0.0.0.0/0"),
    "route to another network": _route_to("10.99.0.0/16"),
    "route to a non-prod network": _route_to(
        HUB_CONFIG.environments.cloud()["dev"].network.vpc_cidr
    ),
    "propagation": _propagation,
    "share to another account": _shared_with_another_account,
    "share outside the organisation": _shared_outside_the_organisation,
    "data attachment not associated": _without_association("DataVpcAttachmentId"),
    "app attachment not associated": _without_association("AppVpc0AttachmentId"),
}


def _broken(assembly: Assembly, mutate: Mutation, env: str) -> Assembly:
    templates = copy.deepcopy({s.name: dict(s.template) for s in assembly.stacks})
    mutate(templates, env)
    return with_templates(assembly, templates)


def test_the_hub_configuration_passes(hub_assembly: Assembly, hub_config: PgplatConfig) -> None:
    assert check_chain(hub_assembly, hub_config) == []


@settings(max_examples=16, deadline=None)
@given(case=st.sampled_from(sorted(MUTATIONS)), env=st.sampled_from(HUB_ENVS))
def test_each_broken_hub_link_is_one_finding(
    hub_assembly: Assembly, hub_config: PgplatConfig, case: str, env: str
) -> None:
    findings = check_chain(_broken(hub_assembly, MUTATIONS[case], env), hub_config)
    assert [(f.rule_id, f.environment) for f in findings] == [("CHAIN-012", env)], findings
    (finding,) = findings
    assert finding.fix
    assert "\n" not in finding.message


def test_the_hub_must_share_its_gateway(hub_assembly: Assembly, hub_config: PgplatConfig) -> None:
    def unshared(t: Templates, env: str) -> None:
        (logical_id,) = _of_type(t, env, "AWS::RAM::ResourceShare")
        del _hub(t, env)[logical_id]

    (finding,) = check_chain(_broken(hub_assembly, unshared, "prod"), hub_config)
    accounts = sorted({hub_config.account_of("prod", "data"), hub_config.account_of("prod", "app")})
    assert ", ".join(accounts) in finding.message
