"""Properties of the network rule over every CIDR, on a minimal hand-written estate: a
production security group rule is a finding exactly when it overlaps a non-prod network."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly
from pgplat.policy.isolation import prove_isolation
from tests.policy.templates import stack

NONPROD = [ipaddress.ip_network(c) for c in ("10.40.0.0/16", "10.50.0.0/16")]


def estate(cidr: str) -> Assembly:
    ingress = {"CidrIp": cidr, "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432}
    prod = {
        "DatabaseSecurityGroup": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "db", "SecurityGroupIngress": [ingress]},
        }
    }
    dev = {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.40.0.0/16"}}}
    return Assembly(Path("cdk.out"), (stack(prod, "p", "prod"), stack(dev, "d", "dev")))


networks = st.builds(
    lambda address, prefix: ipaddress.ip_network(
        f"{ipaddress.IPv4Address(address)}/{prefix}", strict=False
    ),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=1, max_value=32),
)


@settings(max_examples=200, deadline=None)
@given(networks)
def test_a_prod_rule_is_a_finding_exactly_when_it_reaches_non_prod(
    innovate: PgplatConfig, network: ipaddress.IPv4Network
) -> None:
    findings = prove_isolation(estate(str(network)), innovate)
    crosses = any(network.overlaps(n) for n in NONPROD)
    assert [(f.rule_id, f.logical_id) for f in findings] == (
        [("ISO-002", "DatabaseSecurityGroup")] if crosses else []
    )


def test_an_anywhere_rule_names_no_network(innovate: PgplatConfig) -> None:
    """0.0.0.0/0 (CDK's allow-all egress) is reachability decided by routes, not a link."""
    assert prove_isolation(estate("0.0.0.0/0"), innovate) == []
