"""A Transit Gateway owned by a network hub account (issue 26, item 1): the hub's stack shares
it with exactly the environment's accounts and routes between them only; the data and app
stacks attach to it and nothing more."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pgplat import naming
from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.infra.connectivity import ALREADY_ACCEPTED, DATA_ATTACHMENT_OUTPUT
from pgplat.policy.assembly import Assembly
from pgplat.policy.pack import run_rules
from tests.fixtures.hub import HUB_CONFIG, HUB_ENVS
from tests.infra.templates import resources
from tests.infra.test_cfn_lint import lint_findings

HUB_ACCOUNT = HUB_CONFIG.accounts.network


def _hub_stack(env: str) -> str:
    return naming.network_stack_name(HUB_CONFIG, env)


def _gateway(env: str) -> str | None:
    return HUB_CONFIG.environments.cloud()[env].network.transit_gateway_id


def _attachments(env: str) -> set[str]:
    """The hub's parameters of the data and app attachments of ``env``."""
    apps = HUB_CONFIG.environments.cloud()[env].network.app_vpcs
    return {DATA_ATTACHMENT_OUTPUT} | {f"AppVpc{i}AttachmentId" for i in range(len(apps))}


def _network(config: PgplatConfig, env: str) -> Any:
    return config.environments.cloud()[env].network


@pytest.mark.parametrize("env", HUB_ENVS)
def test_the_hub_stack_is_in_the_hub_account(hub_synth: Synthesis, env: str) -> None:
    info = hub_synth.stacks[_hub_stack(env)]
    assert (info.role, info.account) == ("network", HUB_ACCOUNT)


@pytest.mark.parametrize("env", HUB_ENVS)
def test_the_share_offers_the_gateway_to_the_environments_accounts_only(
    hub_synth: Synthesis, hub_config: PgplatConfig, env: str
) -> None:
    (share,) = resources(hub_synth.template(_hub_stack(env)), "AWS::RAM::ResourceShare").values()
    properties = share["Properties"]
    expected = {hub_config.account_of(env, "data"), hub_config.account_of(env, "app")}
    assert sorted(properties["Principals"]) == sorted(expected)
    assert properties["AllowExternalPrincipals"] is False  # organization_id is set
    (arn,) = properties["ResourceArns"]
    assert arn["Fn::Join"][1][-1].endswith(f":{HUB_ACCOUNT}:transit-gateway/{_gateway(env)}")


@pytest.mark.parametrize("env", HUB_ENVS)
def test_the_hub_routes_statically_between_the_data_and_app_attachments(
    hub_synth: Synthesis, hub_config: PgplatConfig, env: str
) -> None:
    template = hub_synth.template(_hub_stack(env))
    network = _network(hub_config, env)
    tables = resources(template, "AWS::EC2::TransitGatewayRouteTable")
    assert {t["Properties"]["TransitGatewayId"] for t in tables.values()} == {_gateway(env)}
    assert len(tables) == 2
    assert not resources(template, "AWS::EC2::TransitGatewayRouteTablePropagation")
    routes = {
        (
            r["Properties"]["DestinationCidrBlock"],
            r["Properties"]["TransitGatewayAttachmentId"]["Ref"],
        )
        for r in resources(template, "AWS::EC2::TransitGatewayRoute").values()
    }
    assert routes == {(network.vpc_cidr, DATA_ATTACHMENT_OUTPUT)} | {
        (app.cidr, f"AppVpc{i}AttachmentId") for i, app in enumerate(network.app_vpcs)
    }
    associated = {
        a["Properties"]["TransitGatewayAttachmentId"]["Ref"]
        for a in resources(template, "AWS::EC2::TransitGatewayRouteTableAssociation").values()
    }
    assert associated == _attachments(env)
    conditioned = [
        r
        for t in ("AWS::EC2::TransitGatewayRoute", "AWS::EC2::TransitGatewayRouteTableAssociation")
        for r in resources(template, t).values()
    ]
    assert all("Condition" in r for r in conditioned), "each waits for its attachment's id"


def test_the_hub_accepts_every_attachment_even_when_it_auto_accepts(
    hub_synth: Synthesis,
) -> None:
    template = hub_synth.template(_hub_stack("prod"))
    accepts = resources(template, "Custom::AWS")
    created = [str(a["Properties"]["Create"]) for a in accepts.values()]
    expected = _attachments("prod")
    assert len(created) == len(expected)
    for call in created:
        assert "acceptTransitGatewayVpcAttachment" in call
        assert f'"ignoreErrorCodesMatching":"{ALREADY_ACCEPTED}"' in call
    accepted = {ref for ref in expected for call in created if f"'Ref': '{ref}'" in call}
    assert accepted == expected


def test_the_data_stack_only_attaches_and_routes_the_app_cidrs(
    hub_synth: Synthesis, hub_config: PgplatConfig
) -> None:
    template = hub_synth.template(naming.data_stack_name(HUB_CONFIG, "prod"))
    (attachment,) = resources(template, "AWS::EC2::TransitGatewayAttachment").values()
    assert attachment["Properties"]["TransitGatewayId"] == _gateway("prod")
    for kind in (
        "AWS::EC2::TransitGateway",
        "AWS::EC2::TransitGatewayRouteTable",
        "AWS::EC2::TransitGatewayRoute",
        "AWS::EC2::TransitGatewayRouteTableAssociation",
        "AWS::RAM::ResourceShare",
        "Custom::AWS",
    ):
        assert not resources(template, kind), kind
    assert DATA_ATTACHMENT_OUTPUT in template["Outputs"]
    assert not [p for p in template.get("Parameters", {}) if "Attachment" in p]
    routed = {
        r["Properties"]["DestinationCidrBlock"]
        for r in resources(template, "AWS::EC2::Route").values()
        if r["Properties"].get("TransitGatewayId") == _gateway("prod")
    }
    assert routed == set(_network(hub_config, "prod").app_cidrs)


def test_the_app_stack_attaches_to_the_hubs_gateway(hub_synth: Synthesis) -> None:
    template = hub_synth.template(naming.app_stack_name(HUB_CONFIG, "prod"))
    (attachment,) = resources(template, "AWS::EC2::TransitGatewayAttachment").values()
    assert attachment["Properties"]["TransitGatewayId"] == _gateway("prod")
    assert "TransitGatewayId" not in template.get("Parameters", {})
    app_outputs = _attachments("prod") - {DATA_ATTACHMENT_OUTPUT}
    assert app_outputs <= set(template["Outputs"])
    for name in app_outputs:  # the operator reading the outputs is sent to the hub, not data
        assert template["Outputs"][name]["Description"] == f"Pass to the network stack as {name}."


def test_the_hub_templates_are_lint_clean(
    hub_synth: Synthesis, request: pytest.FixtureRequest
) -> None:
    findings = [
        f
        for stack in map(_hub_stack, HUB_ENVS)
        for info in [hub_synth.stacks[stack]]
        for f in lint_findings(stack, info.template_path, info.region, request.config.cache)
    ]
    assert findings == [], "\n".join(findings)


def test_the_gate_passes_the_hub_configuration(
    hub_synth: Synthesis, hub_config: PgplatConfig
) -> None:
    assert run_rules(Assembly.of_synthesis(hub_synth, hub_config), hub_config, date.today()) == []
