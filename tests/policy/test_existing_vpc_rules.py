"""PGP-002 on an existing VPC's subnets: pgplat's own routes into them are judged as before,
the rest of their route tables is said to be unprovable here (info), never silently passed."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat.config.model import PgplatConfig
from pgplat.policy.rules import database_subnets_isolated as rule
from pgplat.policy.rules.base import Compliance
from tests.fixtures.synth import EXISTING_VPC
from tests.policy.templates import context, stack

SUBNETS = [s["subnet_id"] for s in EXISTING_VPC["subnets"]]
TABLE = EXISTING_VPC["subnets"][0]["route_table_id"]
GROUP = {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {"SubnetIds": SUBNETS}}

targets = st.sampled_from(
    [
        ("TransitGatewayId", "tgw-0123456789abcdef0", True),
        ("VpcPeeringConnectionId", "pcx-0123456789abcdef0", True),
        ("GatewayId", "igw-0123456789abcdef0", False),
        ("NatGatewayId", "nat-0123456789abcdef0", False),
        ("EgressOnlyInternetGatewayId", "eigw-0123456789abcdef0", False),
    ]
)
destinations = st.sampled_from([("10.10.0.0/16", True), ("0.0.0.0/0", False)])


def _verdict(config: PgplatConfig, resources: dict[str, Any]) -> Any:
    ctx = context(config, stack({"Group": GROUP, **resources}))
    group = ctx.stack.resource("Group")
    assert group is not None
    return rule.database_subnets_isolated(group, ctx)


@settings(max_examples=20, deadline=None)
@given(targets, destinations, st.booleans())
def test_pgplat_routes_are_judged_and_the_rest_is_unprovable(
    serverless_config: PgplatConfig,
    target: tuple[str, str, bool],
    destination: tuple[str, bool],
    into_the_subnets: bool,
) -> None:
    key, value, private = target
    cidr, inside = destination
    route = {
        "Type": "AWS::EC2::Route",
        "Properties": {
            "RouteTableId": TABLE if into_the_subnets else "rtb-0123456789abcdef0",
            "DestinationCidrBlock": cidr,
            key: value,
        },
    }
    answer = _verdict(serverless_config, {"Route": route})
    assert answer.compliance is Compliance.NON_COMPLIANT
    if into_the_subnets and not (private and inside):
        assert answer.severity is None  # the rule's own: error
        assert "route Route" in answer.detail
    else:
        assert answer.severity == "info"
        assert "pgplat deploy" in answer.detail


def test_a_subnet_the_configuration_does_not_name_still_fails(
    serverless_config: PgplatConfig, innovate: PgplatConfig
) -> None:
    """Only the environment's own existing subnets are taken on trust until deploy."""
    answer = _verdict(innovate, {})
    assert (answer.compliance, answer.severity) == (Compliance.NON_COMPLIANT, None)
    assert "not in the templates" in answer.detail
    assert _verdict(serverless_config, {}).severity == "info"
