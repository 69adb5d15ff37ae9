"""Regression (issue 20): ``DataRouteForAppVpc{i}`` added the data CIDR to the TGW app route
table once per app VPC, so two or more app VPCs under transit-gateway gave duplicate routes
(cfn-lint E3019) that CloudFormation refuses. Checked for every allowed number of app VPCs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from pgplat.config.model import PgplatConfig
from pgplat.policy.lint import lint_template
from tests.infra.access.data_side import data_transit_gateway


def _data_side(config: PgplatConfig, app_vpcs: int) -> dict[str, Any]:
    """The data side of Transit Gateway mode for ``app_vpcs`` app VPCs, as a template."""
    prod = config.environments.prod
    network = prod.network.model_copy(
        update={
            "connectivity": "transit-gateway",
            "app_vpcs": [
                prod.network.app_vpcs[0].model_copy(update={"cidr": f"10.{60 + i}.0.0/16"})
                for i in range(app_vpcs)
            ],
        }
    )
    data = data_transit_gateway(cdk.App(), config, network, max_azs=2)
    return dict(Template.from_stack(data).to_json())


@pytest.mark.parametrize("app_vpcs", [1, 2, 3, 4])
def test_tgw_data_route_is_added_once_whatever_the_number_of_app_vpcs(
    innovate: PgplatConfig, app_vpcs: int, tmp_path: Path
) -> None:
    template = _data_side(innovate, app_vpcs)
    routes = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::EC2::TransitGatewayRoute"
    ]
    destinations = Counter(
        (json.dumps(r["TransitGatewayRouteTableId"]), r["DestinationCidrBlock"]) for r in routes
    )
    assert max(destinations.values()) == 1, destinations
    data_cidr = innovate.environments.prod.network.vpc_cidr
    assert sum(r["DestinationCidrBlock"] == data_cidr for r in routes) == 1
    assert len(routes) == app_vpcs + 1, "one route per app VPC and one back to the data VPC"
    path = tmp_path / "data.json"
    path.write_text(json.dumps(template))
    errors = [str(f) for f in lint_template("Data", path, "us-east-1") if f.rule_id[0] == "E"]
    assert errors == []
