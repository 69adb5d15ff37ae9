"""Before a deploy through a network hub, the hub's Transit Gateway is asked of moto's EC2 in
the hub account: every way it would break or leak pgplat's routing is one clause of one line,
and a gateway with both defaults off passes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig
from pgplat.deploy.hub_gateway import hub_gateway_problems, verify_hub_gateway
from pgplat.errors import UserError
from tests.fixtures.examples import INNOVATE
from tests.fixtures.hub import HUB_CONFIG, hub_document

REGION = HUB_CONFIG.region
HUB = HUB_CONFIG.accounts.network
assert HUB is not None
SAFE = {"DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable"}


@pytest.fixture
def hub_ec2(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's EC2 signed in to the hub account."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", HUB)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # nothing here launches one
    with mock_aws():
        yield boto3.client("ec2", region_name=REGION)


def _gateway(ec2: Any, **options: str) -> str:
    created = ec2.create_transit_gateway(Options=SAFE | options)["TransitGateway"]
    return str(created["TransitGatewayId"])


def _routed_through(gateway: str) -> PgplatConfig:
    """The hub configuration with both environments on ``gateway``."""
    document = hub_document()
    for env in ("prod", "dev"):
        document["environments"][env]["network"]["transit_gateway_id"] = gateway
    return parse_config(yaml.safe_dump(document), "pgplat.yaml")


def test_a_gateway_of_the_hub_with_both_defaults_off_passes(hub_ec2: Any) -> None:
    gateway = _gateway(hub_ec2)
    assert hub_gateway_problems(hub_ec2, gateway, HUB) == []
    verify_hub_gateway(_routed_through(gateway), "prod")


@settings(max_examples=4, deadline=None)
@given(association=st.booleans(), propagation=st.booleans())
def test_each_default_left_on_is_one_clause(association: bool, propagation: bool) -> None:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MOTO_ACCOUNT_ID", HUB)
        env.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        with mock_aws():
            ec2 = boto3.client("ec2", region_name=REGION)
            options = {
                "DefaultRouteTableAssociation": "enable" if association else "disable",
                "DefaultRouteTablePropagation": "enable" if propagation else "disable",
            }
            problems = hub_gateway_problems(ec2, _gateway(ec2, **options), HUB)
    expected = {
        "associates new attachments": association,
        "propagates new attachments": propagation,
    }
    assert len(problems) == sum(expected.values())
    for clause, present in expected.items():
        assert any(clause in p for p in problems) == present, problems
    assert all("set Default" in p for p in problems)


def test_a_gateway_missing_or_of_another_account_is_refused(hub_ec2: Any) -> None:
    assert hub_gateway_problems(hub_ec2, "tgw-0123456789abcdef0", HUB) == [
        f"is not in the network account {HUB} in this region: check the id, or accounts.network"
    ]
    gateway = _gateway(hub_ec2)
    [problem] = hub_gateway_problems(hub_ec2, gateway, "999999999999")
    assert problem == f"is owned by account {HUB}, not accounts.network 999999999999"


def test_the_deploy_is_refused_in_one_line_naming_the_field(hub_ec2: Any) -> None:
    gateway = _gateway(hub_ec2, DefaultRouteTablePropagation="enable")
    with pytest.raises(UserError) as refused:
        verify_hub_gateway(_routed_through(gateway), "dev")
    [line] = str(refused.value).splitlines()
    assert line.startswith(
        f"refusing to deploy dev: environments.dev.network.transit_gateway_id {gateway} "
    )
    assert "every VPC on it would reach the database VPC" in line


def test_without_a_hub_nothing_is_asked() -> None:
    """No AWS call at all (no moto here: a call would fail for want of credentials)."""
    config = parse_config(INNOVATE.read_text(), "innovate-inc.yaml")
    verify_hub_gateway(config, "prod")
