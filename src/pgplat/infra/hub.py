"""The network hub's stack: the Transit Gateway an ``accounts.network`` account owns, as one
environment uses it (the Control Tower landing-zone pattern).

The hub shares its TGW through RAM with exactly the environment's data and app accounts and
holds the two dedicated route tables (:func:`pgplat.infra.connectivity.route_tables`); the data
and app stacks only attach their VPCs and route to the other side's CIDRs. The attachments'
ids come back as parameters wired from those stacks' outputs (:mod:`pgplat.deploy.wiring`), so
the deployment is hub → data and app → hub again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from constructs import Construct

from pgplat import naming
from pgplat.config.model import PgplatConfig
from pgplat.infra.access_names import AccessNames
from pgplat.infra.connectivity import (
    DATA_ATTACHMENT_OUTPUT,
    Attachment,
    route_tables,
    share_transit_gateway,
    value_from_stack,
)

if TYPE_CHECKING:
    from pgplat.infra.app import EnvironmentApp


class NetworkHubStack(cdk.Stack):
    """One environment's share of the hub's TGW, its route tables and the acceptances."""

    def __init__(
        self, scope: Construct, id: str, *, config: PgplatConfig, env_name: str, **kwargs: Any
    ) -> None:
        super().__init__(scope, id, **kwargs)
        network = config.environments.cloud()[env_name].network
        assert network.transit_gateway_id is not None  # the config requires it with a hub
        names = AccessNames(config, env_name)
        routing = Construct(self, "TransitGateway")
        principals = sorted({names.data_account, names.app_account})
        share_transit_gateway(routing, names, network.transit_gateway_id, principals)
        data_id, data_known = value_from_stack(
            routing,
            DATA_ATTACHMENT_OUTPUT,
            "DataVpcAttachmentKnown",
            f"TGW attachment id of the data VPC {network.vpc_cidr}",
            source="data",
        )
        route_tables(
            routing,
            transit_gateway_id=network.transit_gateway_id,
            network=network,
            data=Attachment(data_id, data_known),
            accept=True,
            tolerate_accepted=True,
        )


def build_hub_stack(env: EnvironmentApp) -> None:
    """Stack builder: the network stack in the hub account, when the environment's TGW is the
    hub's; the data and app stacks attach to it, so they deploy after it."""
    config, name = env.config, env.env_name
    if not config.routed_by_hub(name):
        return
    hub = NetworkHubStack(
        env.app,
        naming.network_stack_name(config, name),
        config=config,
        env_name=name,
        env=env.environment("network"),
        description=f"pgplat {config.name} {name}: Transit Gateway share and routes (network hub)",
    )
    env.add(hub, "network")
    for attaching in (naming.data_stack_name(config, name), naming.app_stack_name(config, name)):
        stack = env.app.node.find_child(attaching)
        assert isinstance(stack, cdk.Stack)
        stack.add_stack_dependency(hub, "it attaches to the Transit Gateway the hub shares")
