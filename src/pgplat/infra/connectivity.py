"""The network path between the app VPCs and the data VPC: Transit Gateway or VPC peering.

Both sides are built here, one construct per account and mode, and every route is limited to
the peer's configured CIDR. The two accounts deploy separately and CloudFormation cannot read
the other account's resources, so the ids that only exist after a deployment (the TGW
attachment and peering connection created by the app account, the data VPC and TGW created
by the data account) travel as **CloudFormation parameters**: each stack outputs what the
other needs, the operator passes it on (``cdk deploy <stack> --parameters Name=value``), and
every resource that needs such a parameter is created only once it is set. Parameters beat the alternatives here: SSM
parameters cannot be read across accounts without an extra RAM share per value, and a custom
resource reading the other account's outputs would need a cross-account read role of its own.

Deployment order: data stack (TGW, RAM share, route tables; or the peering accepter role) →
app stack (attachment or peering request, app routes) → data stack again with the app ids
(attachment acceptance, association and routes; or the routes to the peering connection).
With a network hub (``accounts.network``, :mod:`pgplat.infra.hub`) the hub's network stack
holds the share and the route tables instead, and both attachments come back to it: hub →
data and app (attachments, VPC routes) → hub again (acceptance, associations, routes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from aws_cdk import (
    CfnCondition,
    CfnOutput,
    CfnParameter,
    CfnResource,
    Fn,
    Stack,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ram as ram
from aws_cdk import custom_resources as cr
from constructs import Construct

from pgplat.config.model import AppVpc, Network
from pgplat.infra.access import trust_from_app_account
from pgplat.infra.access_names import AccessNames
from pgplat.naming import tgw_share_name


def value_from_stack(
    scope: Construct, id: str, known: str, what: str, source: str = "app"
) -> tuple[str, CfnCondition]:
    """A stack parameter for an id another account creates (the ``source`` stack's output,
    empty until it has deployed), and the condition ``known`` that it has been given a value."""
    parameter = CfnParameter(
        Stack.of(scope),
        id,
        type="String",
        default="",
        description=f"{what} (output of the {source} stack).",
    )
    value = parameter.value_as_string
    return value, CfnCondition(
        scope, known, expression=Fn.condition_not(Fn.condition_equals(value, ""))
    )


def id_parameter(scope: Construct, id: str, kind: str, description: str) -> str:
    """A required stack parameter holding an AWS id that starts ``<kind>-``."""
    return CfnParameter(
        Stack.of(scope),
        id,
        type="String",
        allowed_pattern=rf"^{kind}-([0-9a-f]{{8}}|[0-9a-f]{{17}})$",
        description=description,
    ).value_as_string


def routes_to(
    scope: Construct, id: str, route_table_ids: Sequence[str], cidr: str, **target: str
) -> list[ec2.CfnRoute]:
    """A route to ``cidr`` (and nowhere else) in each route table; construct ids ``<id><n>``."""
    return [
        ec2.CfnRoute(
            scope, f"{id}{index}", route_table_id=table_id, destination_cidr_block=cidr, **target
        )
        for index, table_id in enumerate(route_table_ids)
    ]


def output_for_stack(scope: Construct, name: str, value: str, consumer: str) -> None:
    """An output `pgplat deploy` passes to the ``consumer`` stack (data, or the network hub's)
    as its parameter ``name``."""
    CfnOutput(
        Stack.of(scope), name, value=value, description=f"Pass to the {consumer} stack as {name}."
    )


def only_if(condition: CfnCondition, *constructs: Construct) -> None:
    """Create every CloudFormation resource under ``constructs`` only when ``condition`` holds."""
    for construct in constructs:
        for child in construct.node.find_all():
            if isinstance(child, CfnResource):
                child.cfn_options.condition = condition


@dataclass(frozen=True)
class DataVpcEnd:
    """The data side of the link in either mode: whose it is, and the data VPC's ends."""

    names: AccessNames
    network: Network
    vpc: ec2.IVpc
    subnets: Sequence[ec2.ISubnet]
    """The isolated database subnets (one per AZ)."""
    route_table_ids: Sequence[str]


@dataclass(frozen=True)
class Attachment:
    """A TGW attachment as the route tables' stack sees it: its id, and the condition that the
    id is known (None when the stack creates the attachment itself)."""

    id: str
    known: CfnCondition | None = None


class DataTransitGateway(Construct):
    """Data side of Transit Gateway mode.

    A TGW with auto-accept and default route tables off, shared with the app account only;
    the data VPC's attachment; and two dedicated TGW route tables (:func:`route_tables`).

    With ``network.transit_gateway_id`` the TGW is used as it is: it must belong to the data
    account (which creates the route tables on it) and already be shared with the app account.
    With a network hub (``accounts.network``) the hub owns it: this side only attaches the data
    VPC, routes the app CIDRs to it, and outputs the attachment for the hub's stack.
    """

    def __init__(self, scope: Construct, id: str, *, end: DataVpcEnd) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        names, network = end.names, end.network
        self.transit_gateway_id = network.transit_gateway_id or self._create(names)
        attachment = ec2.CfnTransitGatewayAttachment(
            self,
            "DataAttachment",
            transit_gateway_id=self.transit_gateway_id,
            vpc_id=end.vpc.vpc_id,
            subnet_ids=[s.subnet_id for s in end.subnets],
        )
        for i, app in enumerate(network.app_vpcs):
            to_app_vpc = routes_to(
                self,
                f"ToApp{i}Via",
                end.route_table_ids,
                app.cidr,
                transit_gateway_id=self.transit_gateway_id,
            )
            for route in to_app_vpc:
                route.node.add_dependency(attachment)
        if names.config.routed_by_hub(names.env):
            output_for_stack(self, DATA_ATTACHMENT_OUTPUT, attachment.attr_id, "network")
        else:
            route_tables(
                self,
                transit_gateway_id=self.transit_gateway_id,
                network=network,
                data=Attachment(attachment.attr_id),
                accept=names.cross_account,
            )
        CfnOutput(stack, "AccessTransitGatewayId", value=self.transit_gateway_id)

    def _create(self, names: AccessNames) -> str:
        tgw = ec2.CfnTransitGateway(
            self,
            "TransitGateway",
            description=f"pgplat {names.config.name} {names.env}: app VPCs to the data VPC",
            auto_accept_shared_attachments="disable",
            default_route_table_association="disable",
            default_route_table_propagation="disable",
            dns_support="enable",
        )
        if not names.cross_account:
            return tgw.ref
        share_transit_gateway(self, names, tgw.ref, [names.app_account])
        return tgw.ref


DATA_ATTACHMENT_OUTPUT = "DataVpcAttachmentId"
"""The data stack's output of its TGW attachment, and the hub stack's parameter of that name."""


def share_transit_gateway(
    scope: Construct, names: AccessNames, transit_gateway_id: str, principals: Sequence[str]
) -> ram.CfnResourceShare:
    """Offer the TGW through RAM to exactly ``principals`` (only inside the organisation when
    accounts.organization_id is set)."""
    stack = Stack.of(scope)
    return ram.CfnResourceShare(
        scope,
        "Share",
        name=tgw_share_name(names.config, names.env),
        resource_arns=[
            stack.format_arn(
                service="ec2", resource="transit-gateway", resource_name=transit_gateway_id
            )
        ],
        principals=list(principals),
        allow_external_principals=names.config.accounts.organization_id is None,
    )


def route_tables(
    scope: Construct,
    *,
    transit_gateway_id: str,
    network: Network,
    data: Attachment,
    accept: bool,
    tolerate_accepted: bool = False,
) -> None:
    """Two dedicated TGW route tables on the TGW's owner side. The data table is associated
    with the data attachment and routes only the app CIDRs to the app attachments; the app
    table is associated with the app attachments and routes only the data CIDR. No
    propagation, so no other attachment — and no secondary CIDR — ever reaches the data VPC.

    Attachments made by another account (parameters, empty until it has deployed) are used
    once known, after being accepted when ``accept``; ``tolerate_accepted`` lets a TGW that
    auto-accepts have accepted them already."""
    data_table = ec2.CfnTransitGatewayRouteTable(
        scope, "DataRouteTable", transit_gateway_id=transit_gateway_id
    )
    app_table = ec2.CfnTransitGatewayRouteTable(
        scope, "AppRouteTable", transit_gateway_id=transit_gateway_id
    )
    association = ec2.CfnTransitGatewayRouteTableAssociation(
        scope,
        "DataAssociation",
        transit_gateway_attachment_id=data.id,
        transit_gateway_route_table_id=data_table.ref,
    )
    # One route back to the data VPC serves every app attachment associated with the app
    # table (a route per app VPC would repeat it); its id is the one a single-VPC stack
    # already deployed, so CloudFormation keeps that route instead of replacing it.
    back = ec2.CfnTransitGatewayRoute(
        scope,
        "DataRouteForAppVpc0",
        transit_gateway_route_table_id=app_table.ref,
        destination_cidr_block=network.vpc_cidr,
        transit_gateway_attachment_id=data.id,
    )
    if data.known is not None:
        _once_known(scope, "AcceptDataVpc", data, accept, tolerate_accepted, association, back)
    for i, app in enumerate(network.app_vpcs):
        attachment_id, known = value_from_stack(
            scope,
            f"AppVpc{i}AttachmentId",
            f"AppVpc{i}AttachmentKnown",
            f"TGW attachment id of app VPC {app.cidr}",
        )
        app_association = ec2.CfnTransitGatewayRouteTableAssociation(
            scope,
            f"AppVpc{i}Association",
            transit_gateway_attachment_id=attachment_id,
            transit_gateway_route_table_id=app_table.ref,
        )
        to_app = ec2.CfnTransitGatewayRoute(
            scope,
            f"AppVpc{i}Route",
            transit_gateway_route_table_id=data_table.ref,
            destination_cidr_block=app.cidr,
            transit_gateway_attachment_id=attachment_id,
        )
        app_attachment = Attachment(attachment_id, known)
        _once_known(
            scope,
            f"AcceptAppVpc{i}",
            app_attachment,
            accept,
            tolerate_accepted,
            app_association,
            to_app,
        )


def _once_known(
    scope: Construct,
    accept_id: str,
    attachment: Attachment,
    accept: bool,
    tolerate_accepted: bool,
    *users: CfnResource,
) -> None:
    """Create ``users`` of another account's attachment once its id is known, after
    accepting it when ``accept``."""
    assert attachment.known is not None
    only_if(attachment.known, *users)
    if not accept:
        return
    acceptance = _accept_attachment(
        scope, accept_id, Stack.of(scope), attachment.id, tolerate_accepted
    )
    only_if(attachment.known, acceptance)
    for user in users:
        user.node.add_dependency(acceptance)


ALREADY_ACCEPTED = "IncorrectState"
"""EC2's error code for accepting an attachment that is no longer pending acceptance."""


def _accept_attachment(
    scope: Construct, id: str, stack: Stack, attachment_id: str, tolerate_accepted: bool
) -> cr.AwsCustomResource:
    """Accept another account's attachment: auto-accept is off, so the TGW owner decides (a
    hub's TGW may auto-accept: then ``tolerate_accepted`` finds it accepted already)."""
    call = cr.AwsSdkCall(
        service="EC2",
        action="acceptTransitGatewayVpcAttachment",
        parameters={"TransitGatewayAttachmentId": attachment_id},
        physical_resource_id=cr.PhysicalResourceId.of(attachment_id),
        ignore_error_codes_matching=ALREADY_ACCEPTED if tolerate_accepted else None,
    )
    return cr.AwsCustomResource(
        scope,
        id,
        on_create=call,
        install_latest_aws_sdk=False,
        policy=cr.AwsCustomResourcePolicy.from_statements(
            [
                iam.PolicyStatement(
                    actions=["ec2:AcceptTransitGatewayVpcAttachment"],
                    resources=[
                        stack.format_arn(
                            service="ec2",
                            resource="transit-gateway-attachment",
                            resource_name=attachment_id,
                        )
                    ],
                )
            ]
        ),
    )


class DataPeeringAccepter(Construct):
    """Data side of VPC peering mode: the accepter role and the routes back to the app VPCs.

    The app account's CloudFormation (its ``cdk bootstrap`` execution role) assumes the
    accepter role while creating the peering connection; the role may accept only a peering
    into the data VPC from the configured app VPCs.
    """

    def __init__(self, scope: Construct, id: str, *, end: DataVpcEnd) -> None:
        super().__init__(scope, id)
        if end.names.cross_account:
            self._accepter_role(end.names, end.network, end.vpc)
        for i, app in enumerate(end.network.app_vpcs):
            peering_id, known = value_from_stack(
                self,
                f"AppVpc{i}PeeringConnectionId",
                f"AppVpc{i}PeeringKnown",
                f"Peering connection id of app VPC {app.cidr}",
            )
            to_app_vpc = routes_to(
                self,
                f"ToAppVpc{i}Via",
                end.route_table_ids,
                app.cidr,
                vpc_peering_connection_id=peering_id,
            )
            only_if(known, *to_app_vpc)
        CfnOutput(Stack.of(self), "AccessDataVpcId", value=end.vpc.vpc_id)

    def _accepter_role(self, names: AccessNames, network: Network, vpc: ec2.IVpc) -> None:
        stack = Stack.of(self)
        accepter_vpc = stack.format_arn(service="ec2", resource="vpc", resource_name=vpc.vpc_id)
        app_vpcs = f"arn:{names.partition}:ec2:{stack.region}:{names.app_account}:vpc/"
        requesters = [app_vpcs + (app.vpc_id or "*") for app in network.app_vpcs]
        conditions = {
            "ArnEquals": {"ec2:AccepterVpc": accepter_vpc},
            "ArnLike": {"ec2:RequesterVpc": requesters},
        }
        role = iam.Role(
            self,
            "AccepterRole",
            role_name=names.peering_accepter_role_name(),
            description="Accept VPC peering from the app VPCs into the data VPC",
            assumed_by=trust_from_app_account(names, names.app_deploy_role_arn()),
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["ec2:AcceptVpcPeeringConnection"],
                resources=[
                    stack.format_arn(
                        service="ec2", resource="vpc-peering-connection", resource_name="*"
                    )
                ],
                conditions=conditions,
            )
        )


class AppVpcRefs:
    """The ids of an existing app VPC: from the config, or parameters when it does not say.

    The app VPCs belong to the EKS platform, not to pgplat; when the config leaves an id out,
    the stack asks for it at deploy time instead of guessing. Without listed route tables it
    asks for one (list them in the config to route more).
    """

    def __init__(self, scope: Construct, index: int, app: AppVpc) -> None:
        stack = Stack.of(scope)
        self._stack = stack
        self._configured_subnets = list(app.subnet_ids)
        self.cidr = app.cidr
        self.index = index
        self.vpc_id = app.vpc_id or (
            CfnParameter(
                stack,
                f"AppVpc{index}Id",
                type="AWS::EC2::VPC::Id",
                description=f"VPC of {app.cidr}.",
            ).value_as_string
        )
        self.route_table_ids: list[str] = list(app.route_table_ids) or [
            id_parameter(
                stack,
                f"AppVpc{index}RouteTableId",
                "rtb",
                f"Route table of the EKS nodes in {app.cidr}.",
            )
        ]

    @cached_property
    def subnet_ids(self) -> list[str]:
        """Subnets for a TGW attachment (asked for only in Transit Gateway mode)."""
        if self._configured_subnets:
            return self._configured_subnets
        return CfnParameter(
            self._stack,
            f"AppVpc{self.index}SubnetIds",
            type="List<AWS::EC2::Subnet::Id>",
            description=f"Subnets of {self.cidr} for the TGW attachment, one per AZ.",
        ).value_as_list

    def route_to_data(
        self, scope: Construct, network: Network, **target: str
    ) -> list[ec2.CfnRoute]:
        """Routes from every route table of this VPC to the data VPC CIDR, and nowhere else."""
        return routes_to(
            scope, f"AppVpc{self.index}ToData", self.route_table_ids, network.vpc_cidr, **target
        )


class AppTransitGatewayAttachment(Construct):
    """App side of Transit Gateway mode: attach each app VPC to the shared TGW and route."""

    def __init__(self, scope: Construct, id: str, *, network: Network, via_hub: bool) -> None:
        super().__init__(scope, id)
        consumer = "network" if via_hub else "data"
        tgw_id = network.transit_gateway_id or id_parameter(
            self,
            "TransitGatewayId",
            "tgw",
            "Transit Gateway shared by the data account (its stack output).",
        )
        for index, app_vpc in enumerate(network.app_vpcs):
            app = AppVpcRefs(self, index, app_vpc)
            attachment = ec2.CfnTransitGatewayAttachment(
                self,
                f"AppVpc{app.index}Attachment",
                transit_gateway_id=tgw_id,
                vpc_id=app.vpc_id,
                subnet_ids=app.subnet_ids,
            )
            for route in app.route_to_data(self, network, transit_gateway_id=tgw_id):
                route.node.add_dependency(attachment)
            output_for_stack(self, f"AppVpc{app.index}AttachmentId", attachment.attr_id, consumer)


class AppPeeringRequester(Construct):
    """App side of VPC peering mode: request peering into the data VPC and route to it."""

    def __init__(self, scope: Construct, id: str, *, names: AccessNames, network: Network) -> None:
        super().__init__(scope, id)
        data_vpc = id_parameter(
            self, "DataVpcId", "vpc", "The data VPC (output DataVpcId of the data stack)."
        )
        for index, app_vpc in enumerate(network.app_vpcs):
            app = AppVpcRefs(self, index, app_vpc)
            peering = ec2.CfnVPCPeeringConnection(
                self,
                f"AppVpc{app.index}Peering",
                vpc_id=app.vpc_id,
                peer_vpc_id=data_vpc,
                peer_owner_id=names.data_account,
                peer_region=names.config.region,
                peer_role_arn=names.peering_accepter_role_arn() if names.cross_account else None,
            )
            app.route_to_data(self, network, vpc_peering_connection_id=peering.ref)
            output_for_stack(self, f"AppVpc{app.index}PeeringConnectionId", peering.ref, "data")
