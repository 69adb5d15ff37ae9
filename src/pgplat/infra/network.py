"""The database VPC: isolated subnets only, no internet path, AWS APIs through endpoints.

Nothing in this VPC can reach the internet: there is no internet gateway and no NAT. What
the database and its rotation functions need from AWS (Secrets Manager, KMS, STS, CloudWatch
Logs and Monitoring) is reached through interface endpoints. Every rejected and accepted flow
is logged to a log group encrypted with the environment's key.

With ``network.existing_vpc`` the VPC and its subnets are the data account's own: they are
referenced by the ids, zones and route tables the configuration gives (no lookup, so synthesis
needs no AWS credentials), pgplat creates no VPC, subnet or route table, and what the template
cannot show (no internet route, the subnets in that VPC and zone) is verified against AWS
before each deploy (:mod:`pgplat.deploy.preflight`).
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from constructs import Construct

from pgplat.config.model import ExistingVpc

HTTPS = ec2.Port.tcp(443)

_ENDPOINT_SERVICES: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "Monitoring": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
}


class IsolatedNetwork(Construct):
    """VPC, endpoints, flow logs, DB subnet group and the database security group.

    Public attributes are what other stacks attach to: ``vpc``, ``subnets`` (the isolated
    subnets), ``route_table_ids``, ``subnet_group``, ``db_security_group`` and
    ``creates_endpoints``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        cidr: str,
        availability_zones: list[str],
        client_cidrs: list[str],
        port: int,
        key: kms.IKey,
        flow_log_retention: logs.RetentionDays,
        existing: ExistingVpc | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc = (
            self._new_vpc(cidr, availability_zones)
            if existing is None
            else self._existing_vpc(existing, cidr)
        )
        self.subnets = self.vpc.isolated_subnets
        self.route_table_ids = list(
            dict.fromkeys(s.route_table.route_table_id for s in self.subnets)
        )
        """Each route table once: subnets of an existing VPC may share one."""
        self.subnet_selection = ec2.SubnetSelection(subnets=self.subnets)

        flow_logs = logs.LogGroup(
            self,
            "FlowLogs",
            encryption_key=key,
            retention=flow_log_retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        self.creates_endpoints = existing is None or existing.create_interface_endpoints
        """Whether pgplat creates the VPC's interface endpoints (else the VPC has them)."""
        if self.creates_endpoints:
            self._endpoints(cidr)

        self.subnet_group = rds.SubnetGroup(
            self,
            "SubnetGroup",
            vpc=self.vpc,
            vpc_subnets=self.subnet_selection,
            description=f"Isolated subnets of {name}",
            subnet_group_name=name,
            removal_policy=RemovalPolicy.DESTROY,
        )

        self.db_security_group = ec2.SecurityGroup(
            self,
            "DatabaseSecurityGroup",
            vpc=self.vpc,
            description=f"PostgreSQL {name}: {port} from the application VPCs only",
            allow_all_outbound=False,
        )
        for client in client_cidrs:
            self.db_security_group.add_ingress_rule(
                ec2.Peer.ipv4(client),
                ec2.Port.tcp(port),
                f"PostgreSQL from application VPC {client}",
            )

    def _new_vpc(self, cidr: str, availability_zones: list[str]) -> ec2.IVpc:
        """A VPC of isolated subnets only, its default security group closed."""
        return ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            availability_zones=availability_zones,
            nat_gateways=0,
            create_internet_gateway=False,
            restrict_default_security_group=True,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="database", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                )
            ],
        )

    def _existing_vpc(self, existing: ExistingVpc, cidr: str) -> ec2.IVpc:
        """The configured VPC and subnets as they are (its default security group is not
        pgplat's to change)."""
        return ec2.Vpc.from_vpc_attributes(
            self,
            "Vpc",
            vpc_id=existing.vpc_id,
            vpc_cidr_block=cidr,
            availability_zones=[s.availability_zone for s in existing.subnets],
            isolated_subnet_ids=[s.subnet_id for s in existing.subnets],
            isolated_subnet_route_table_ids=[s.route_table_id for s in existing.subnets],
        )

    def _endpoints(self, cidr: str) -> None:
        """Interface endpoints for the AWS APIs the database VPC calls, HTTPS from it only."""
        endpoint_sg = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="HTTPS to AWS service endpoints from inside the database VPC",
            allow_all_outbound=False,
        )
        endpoint_sg.add_ingress_rule(ec2.Peer.ipv4(cidr), HTTPS, "AWS APIs from this VPC")
        for endpoint_id, service in _ENDPOINT_SERVICES.items():
            self.vpc.add_interface_endpoint(
                endpoint_id,
                service=service,
                subnets=self.subnet_selection,
                security_groups=[endpoint_sg],
                private_dns_enabled=True,
                open=False,
            )
