"""Cross-account access for one environment: the data-account half, and the stack builder.

The data-account half lives inside the database stack on purpose: the ``rds-db:connect`` resources, the secret
ARNs, the key policy and the database subnets are then plain references in one template, with
no exports that would pin the database stack to this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from pgplat import naming
from pgplat.config.model import PgplatConfig
from pgplat.infra.access import DatabaseAccess, DatabaseIdentity
from pgplat.infra.access_names import AccessNames
from pgplat.infra.app_account import AppAccessStack
from pgplat.infra.connectivity import DataPeeringAccepter, DataTransitGateway, DataVpcEnd
from pgplat.infra.firewall import DatabaseSubnetFirewall
from pgplat.naming import POSTGRES_PORT

if TYPE_CHECKING:
    from pgplat.infra.app import EnvironmentApp


@dataclass(frozen=True)
class DataPlane:
    """What the database stack exposes to the access layer."""

    vpc: ec2.IVpc
    subnets: Sequence[ec2.ISubnet]
    """The isolated database subnets (one per AZ)."""
    identity: DatabaseIdentity
    port: int = POSTGRES_PORT


class DataAccountAccess(Construct):
    """Per-user roles, the database-subnet NACL and the data side of the network link."""

    def __init__(
        self, scope: Construct, id: str, *, config: PgplatConfig, env: str, plane: DataPlane
    ) -> None:
        super().__init__(scope, id)
        network = config.environments.cloud()[env].network
        names = AccessNames(config, env)
        self.access = DatabaseAccess(self, "Users", config=config, env=env, database=plane.identity)
        DatabaseSubnetFirewall(
            self,
            "Firewall",
            vpc=plane.vpc,
            subnets=plane.subnets,
            vpc_cidr=network.vpc_cidr,
            app_cidrs=network.app_cidrs,
            port=plane.port,
        )
        end = DataVpcEnd(
            names=names,
            network=network,
            vpc=plane.vpc,
            subnets=plane.subnets,
            route_table_ids=list(
                dict.fromkeys(s.route_table.route_table_id for s in plane.subnets)
            ),
        )
        if network.connectivity == "transit-gateway":
            DataTransitGateway(self, "TransitGateway", end=end)
        else:
            DataPeeringAccepter(self, "Peering", end=end)


def build_access_stacks(env: EnvironmentApp) -> None:
    """Stack builder: the access layer in the data stack, and the environment's app stack."""
    data = env.data_stack()
    plane = DataPlane(
        vpc=data.vpc,
        subnets=data.subnets,
        identity=DatabaseIdentity(
            resource_id=data.database.resource_id,
            secrets=data.secrets,
            key=data.data_key,
            proxy_resource_id=data.proxy.resource_id if data.proxy else None,
        ),
        port=data.database.port,
    )
    DataAccountAccess(data, "Access", config=env.config, env=env.env_name, plane=plane)
    app_stack = AppAccessStack(
        env.app,
        naming.app_stack_name(env.config, env.env_name),
        config=env.config,
        env_name=env.env_name,
        env=env.environment("app"),
        description=f"pgplat {env.config.name} {env.env_name}: workload access (app account)",
    )
    env.add(app_stack, "app")
