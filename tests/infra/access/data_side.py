"""The data account's end of Transit Gateway mode, built alone in a stack of its own: an
isolated VPC and the constructs under test, without synthesizing a whole environment."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2

from pgplat.config.model import Network, PgplatConfig
from pgplat.infra.access_names import AccessNames
from pgplat.infra.connectivity import DataTransitGateway, DataVpcEnd


def data_transit_gateway(
    app: cdk.App, config: PgplatConfig, network: Network, *, max_azs: int | None = None
) -> cdk.Stack:
    """A ``Data`` stack in the data account holding ``network``'s VPC and its TGW end."""
    data = cdk.Stack(app, "Data", env=cdk.Environment(account="111111111111", region="us-east-1"))
    vpc = ec2.Vpc(
        data,
        "Vpc",
        ip_addresses=ec2.IpAddresses.cidr(network.vpc_cidr),
        nat_gateways=0,
        max_azs=max_azs,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="db", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )
    end = DataVpcEnd(
        names=AccessNames(config, "prod"),
        network=network,
        vpc=vpc,
        subnets=vpc.isolated_subnets,
        route_table_ids=[s.route_table.route_table_id for s in vpc.isolated_subnets],
    )
    DataTransitGateway(data, "Tgw", end=end)
    return data
