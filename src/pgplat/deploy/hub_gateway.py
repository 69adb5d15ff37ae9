"""Before a deploy through a network hub: the hub's Transit Gateway, as the templates cannot
show it, asked of the hub account's EC2 API.

pgplat does not create the hub's gateway, only its own two route tables on it. A gateway that
associates new attachments with its default route table makes pgplat's associations fail half
way through the deploy (an attachment has one association); one that propagates them puts the
data VPC's CIDR into the default table, where every other VPC on the hub can route to it, which
the gate's isolation proof cannot see. So the deploy is refused, in one line naming every
problem, unless the gateway is in the hub account, available, and leaves both defaults off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

_DEFAULTS = {
    "DefaultRouteTableAssociation": "associates new attachments with its default route table "
    "(pgplat's associations would fail)",
    "DefaultRouteTablePropagation": "propagates new attachments into its default route table "
    "(every VPC on it would reach the database VPC)",
}


def verify_hub_gateway(config: PgplatConfig, env: str) -> None:
    """Refuse to deploy ``env`` through a hub gateway that would break or leak its routing
    (nothing to do when no network hub routes ``env``)."""
    if not config.routed_by_hub(env):
        return
    from pgplat.aws.sessions import access_for, session_for

    hub = config.accounts.network
    gateway = config.environments.cloud()[env].network.transit_gateway_id
    assert hub is not None  # the configuration requires both
    assert gateway is not None
    session = session_for(access_for(config, "network"), config.region, hub)
    problems = hub_gateway_problems(session.client("ec2"), gateway, hub)
    if problems:
        raise UserError(
            f"refusing to deploy {env}: environments.{env}.network.transit_gateway_id "
            f"{gateway} {'; '.join(problems)}"
        )


def hub_gateway_problems(ec2: EC2Client, gateway: str, hub: str) -> list[str]:
    """What about ``gateway`` stops pgplat routing through it for the hub account ``hub``."""
    found = ec2.describe_transit_gateways(
        Filters=[{"Name": "transit-gateway-id", "Values": [gateway]}]
    )["TransitGateways"]
    if not found:
        return [
            f"is not in the network account {hub} in this region: check the id, or accounts.network"
        ]
    (described,) = found
    problems = []
    if described.get("OwnerId") != hub:
        problems.append(
            f"is owned by account {described.get('OwnerId')}, not accounts.network {hub}"
        )
    if described.get("State") != "available":
        problems.append(f"is {described.get('State')}, not available")
    options = described.get("Options", {})
    problems += [
        f"{what}: ask the network team to set {option} to disable on it"
        for option, what in _DEFAULTS.items()
        if options.get(option) != "disable"
    ]
    return problems
