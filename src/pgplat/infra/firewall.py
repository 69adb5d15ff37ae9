"""Network ACL on the database subnets: the stateless second fence behind the security group.

Inside the data VPC everything may talk (VPC endpoints, rotation functions, replication).
From outside it, only the app VPCs may enter, only on the database port, and the only traffic
that may leave towards them is the return traffic of those connections (ephemeral ports).
Everything else falls through to the NACL's implicit deny.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

EPHEMERAL = ec2.AclTraffic.tcp_port_range(1024, 65535)
VPC_RULE = 100
"""Rule number of the intra-VPC allow rule; app VPC rules follow from ``APP_RULES``."""
APP_RULES = 200


class DatabaseSubnetFirewall(Construct):
    """A NACL for the database subnets admitting only ``port`` from ``app_cidrs``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        subnets: Sequence[ec2.ISubnet],
        vpc_cidr: str,
        app_cidrs: Sequence[str],
        port: int,
    ) -> None:
        super().__init__(scope, id)
        self.acl = ec2.NetworkAcl(
            self, "Acl", vpc=vpc, subnet_selection=ec2.SubnetSelection(subnets=list(subnets))
        )
        for direction in (ec2.TrafficDirection.INGRESS, ec2.TrafficDirection.EGRESS):
            self.acl.add_entry(
                f"Vpc{direction.name.title()}",
                cidr=ec2.AclCidr.ipv4(vpc_cidr),
                rule_number=VPC_RULE,
                traffic=ec2.AclTraffic.all_traffic(),
                direction=direction,
            )
        for index, cidr in enumerate(app_cidrs):
            self.acl.add_entry(
                f"AppIngress{index}",
                cidr=ec2.AclCidr.ipv4(cidr),
                rule_number=APP_RULES + index,
                traffic=ec2.AclTraffic.tcp_port(port),
                direction=ec2.TrafficDirection.INGRESS,
            )
            self.acl.add_entry(
                f"AppReturn{index}",
                cidr=ec2.AclCidr.ipv4(cidr),
                rule_number=APP_RULES + index,
                traffic=EPHEMERAL,
                direction=ec2.TrafficDirection.EGRESS,
            )
