"""``DatabaseProxy``: RDS Proxy in front of one environment's database (``environments.<env>.proxy``).

EKS fleets open and close connections in storms; the proxy pools them. It authenticates with
IAM end to end (``DefaultAuthScheme: IAM_AUTH``): clients present the same IAM token they
would give the database, and the proxy's own role connects to the database with IAM too, so
no Secrets Manager secret is involved. TLS is required. The proxy sits in the database subnets
behind its own security group, which admits only the app VPCs on 5432 and reaches only the
database; the database's group admits the proxy's. Aurora readers get a read-only endpoint
when asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Fn, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from constructs import Construct

from pgplat.config.model import PROXY_PORT, Proxy
from pgplat.infra.access import db_user_arn
from pgplat.infra.database import PostgresDatabase
from pgplat.infra.network import IsolatedNetwork


class DatabaseProxy(Construct):
    """The proxy, its role, security group, target group and optional read-only endpoint.

    ``endpoint`` and ``reader_endpoint`` are the host names workloads connect to (the reader
    one is the writer's unless a read-only endpoint exists); ``resource_id`` (``prx-…``, the
    last field of its ARN) is what ``rds-db:connect`` through it names.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        settings: Proxy,
        database: PostgresDatabase,
        network: IsolatedNetwork,
        client_cidrs: Sequence[str],
        iam_users: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        role = self._role(name, database, iam_users)
        self.security_group = self._security_group(name, network, client_cidrs, database.port)
        subnets = [s.subnet_id for s in network.subnets]
        groups = [self.security_group.security_group_id]
        proxy = rds.CfnDBProxy(
            self,
            "Proxy",
            db_proxy_name=name,
            engine_family="POSTGRESQL",
            role_arn=role.role_arn,
            vpc_subnet_ids=subnets,
            vpc_security_group_ids=groups,
            require_tls=True,
            default_auth_scheme="IAM_AUTH",
            idle_client_timeout=settings.idle_client_timeout_seconds,
            debug_logging=False,
        )
        proxy.node.add_dependency(role)
        clusters, instances = _members(database)
        target = rds.CfnDBProxyTargetGroup(
            self,
            "Targets",
            db_proxy_name=proxy.ref,
            target_group_name="default",
            connection_pool_configuration_info=rds.CfnDBProxyTargetGroup.ConnectionPoolConfigurationInfoFormatProperty(
                max_connections_percent=settings.max_connections_percent
            ),
            db_cluster_identifiers=clusters,
            db_instance_identifiers=instances,
        )
        target.node.add_dependency(database)
        Validations.of(target).acknowledge(
            Acknowledgment(
                id="CloudFormation-Validate::F3002",
                reason="the CDK's bundled schema predates Tags on DBProxyTargetGroup, which "
                "the registry schema (cfn-lint's) has and the tag rule asks for",
            )
        )
        self.arn = proxy.attr_db_proxy_arn
        self.resource_id = Fn.select(6, Fn.split(":", self.arn))
        self.endpoint = proxy.attr_endpoint
        self.reader_endpoint = self.endpoint
        if settings.read_only_endpoint:
            readers = rds.CfnDBProxyEndpoint(
                self,
                "ReadOnlyEndpoint",
                db_proxy_name=proxy.ref,
                db_proxy_endpoint_name=f"{name}-read-only",
                target_role="READ_ONLY",
                vpc_subnet_ids=subnets,
                vpc_security_group_ids=groups,
            )
            readers.node.add_dependency(target)
            self.reader_endpoint = readers.attr_endpoint

    def _role(self, name: str, database: PostgresDatabase, users: Sequence[str]) -> iam.Role:
        """What the proxy connects to the database as: exactly the ``auth: iam`` users."""
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("rds.amazonaws.com"),
            description=f"RDS Proxy {name}: IAM connections to its database",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["rds-db:connect"],
                resources=[db_user_arn(self, database.resource_id, user) for user in users],
            )
        )
        return role

    def _security_group(
        self, name: str, network: IsolatedNetwork, client_cidrs: Sequence[str], port: int
    ) -> ec2.SecurityGroup:
        """The app VPCs in on 5432, out only to the database's group on its port."""
        group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network.vpc,
            description=f"RDS Proxy {name}: {PROXY_PORT} from the application VPCs only",
            allow_all_outbound=False,
        )
        for client in client_cidrs:
            group.add_ingress_rule(
                ec2.Peer.ipv4(client),
                ec2.Port.tcp(PROXY_PORT),
                f"PostgreSQL from application VPC {client}",
            )
        network.db_security_group.connections.allow_from(
            group, ec2.Port.tcp(port), "PostgreSQL from the RDS Proxy"
        )
        return group


def _members(database: PostgresDatabase) -> tuple[list[str] | None, list[str] | None]:
    """The target group's members (clusters, instances): the Aurora cluster, or the RDS
    instance."""
    if database.props.shape == "aurora":
        return [database.cluster.cluster_identifier], None
    return None, [database.instance.instance_identifier]
