"""The isolation proof with existing data VPCs: their ids are production's (or non-prod's)
like the VPCs pgplat creates, in templates and in the configuration."""

from __future__ import annotations

import copy
from typing import Any

from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly
from pgplat.policy.isolation import prove_isolation
from tests.fixtures.isolation import EditConfig
from tests.fixtures.policy import with_templates

PROD_VPC = "vpc-0a0a0a0a0a0a0a0a0"
DEV_VPC = "vpc-0d0d0d0d0d0d0d0d0"


def _in_existing_vpcs(prod_vpc: str, dev_vpc: str) -> Any:
    def edit(raw: dict[str, Any]) -> None:
        zones = raw["availability_zones"]
        for env, vpc, digit in (("prod", prod_vpc, "a"), ("dev", dev_vpc, "d")):
            subnets = [
                {
                    "subnet_id": f"subnet-0{digit * 15}{i}",
                    "availability_zone": zone,
                    "route_table_id": f"rtb-0{digit * 15}{i}",
                }
                for i, zone in enumerate(zones[:2])
            ]
            network = raw["environments"][env]["network"]
            network.pop("max_azs", None)
            network["existing_vpc"] = {"vpc_id": vpc, "subnets": subnets}

    return edit


def _peering(assembly: Assembly, stack: str, peer_vpc: str) -> Assembly:
    """``assembly`` with a peering from ``stack`` to ``peer_vpc`` added."""
    templates = {s.name: copy.deepcopy(dict(s.template)) for s in assembly.stacks}
    templates[stack]["Resources"]["Crossing"] = {
        "Type": "AWS::EC2::VPCPeeringConnection",
        "Properties": {"VpcId": "vpc-0123456789abcdef0", "PeerVpcId": peer_vpc},
    }
    return with_templates(assembly, templates)


def _located(findings: list[Any]) -> list[tuple[str, str | None, str | None]]:
    return [(f.rule_id, f.stack, f.logical_id) for f in findings]


def test_existing_vpcs_of_their_own_are_isolated(
    edit_innovate: EditConfig, innovate_assembly: Assembly
) -> None:
    config = edit_innovate(_in_existing_vpcs(PROD_VPC, DEV_VPC))
    assert prove_isolation(innovate_assembly, config) == []


def test_dev_configured_in_the_prod_vpc(
    edit_innovate: EditConfig, innovate_assembly: Assembly
) -> None:
    config = edit_innovate(_in_existing_vpcs(PROD_VPC, PROD_VPC))
    (finding,) = prove_isolation(innovate_assembly, config)
    assert (finding.rule_id, finding.environment) == ("ISO-003", "dev")
    assert finding.message.startswith(
        f"the prod data VPC {PROD_VPC} in environments.dev.network.existing_vpc.vpc_id of the "
        "configuration"
    )


def test_peerings_across_are_crossings_both_ways(
    edit_innovate: EditConfig, innovate_assembly: Assembly, innovate: PgplatConfig
) -> None:
    config: PgplatConfig = edit_innovate(_in_existing_vpcs(PROD_VPC, DEV_VPC))
    into_prod = _peering(innovate_assembly, "innovate-dev-data", PROD_VPC)
    findings = prove_isolation(into_prod, config)
    assert _located(findings) == [("ISO-003", "innovate-dev-data", "Crossing")]
    assert f"the prod data VPC {PROD_VPC}" in findings[0].message
    into_dev = _peering(innovate_assembly, "innovate-prod-data", DEV_VPC)
    assert _located(prove_isolation(into_dev, config)) == [
        ("ISO-003", "innovate-prod-data", "Crossing")
    ]
    assert prove_isolation(into_dev, innovate) == []  # without the configured id, unknowable
