"""``PostgresDatabase``: the production PostgreSQL of one environment, whatever its flavor.

One construct, three shapes, one surface:

* ``aurora`` - an Aurora PostgreSQL cluster: a writer and readers pinned round-robin to the
  configured AZs, optional Serverless v2 instances, optional reader auto scaling on CPU;
* ``rds`` - an RDS PostgreSQL instance (Multi-AZ standby by default) on gp3 with storage
  auto scaling;
* ``rds`` with ``multi_az_cluster`` - an RDS Multi-AZ DB cluster (a writer and two readable
  standbys), which the CDK has no L2 for, so it is written against ``CfnDBCluster``.

Every shape is encrypted with the environment's key, never publicly accessible, has IAM
authentication on (except the Multi-AZ DB cluster, which RDS does not allow it on; the data
stack refuses IAM users there), an RDS-managed master secret, the derived backup and maintenance windows,
Enhanced Monitoring, Performance Insights and its PostgreSQL log exported to an encrypted
log group that exists before the database does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import jsii
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_applicationautoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from pgplat.config.model import CloudEnvironment
from pgplat.config.types import parse_engine_version
from pgplat.infra.network import IsolatedNetwork
from pgplat.infra.parameters import parameter_group
from pgplat.infra.retention import log_retention
from pgplat.infra.roles import service_role
from pgplat.naming import parameter_group_name

Shape = Literal["aurora", "rds-instance", "rds-cluster"]

_PI_RETENTION = {
    7: rds.PerformanceInsightRetention.DEFAULT,
    31: rds.PerformanceInsightRetention.MONTHS_1,
    62: rds.PerformanceInsightRetention.MONTHS_2,
    93: rds.PerformanceInsightRetention.MONTHS_3,
    186: rds.PerformanceInsightRetention.MONTHS_6,
    372: rds.PerformanceInsightRetention.MONTHS_12,
    465: rds.PerformanceInsightRetention.MONTHS_15,
    731: rds.PerformanceInsightRetention.LONG_TERM,
}


def _gp3_baseline_iops(allocated_gib: int) -> int:
    """The IOPS gp3 includes at no charge; a Multi-AZ DB cluster must state its IOPS."""
    return 12000 if allocated_gib >= 400 else 3000


@dataclass(frozen=True)
class DatabaseProps:
    """Everything ``PostgresDatabase`` is built from, all required: the data stack derives each
    from the configuration, whose defaults are named below."""

    identifier: str
    """DB cluster or instance identifier (``naming.database_identifier``: ``<name>-<env>``);
    log groups and alarms are named after it."""
    settings: CloudEnvironment
    """The environment's configuration (``environments.<env>``): flavor, class, storage..."""
    engine_version: str
    """'MAJOR.MINOR' engine version: ``environments.<env>.engine_version``, by default
    ``database.engine_version`` (default 17.6)."""
    database_name: str
    """Application database created in the cluster (``database.name``, default 'app')."""
    parameters: dict[str, str]
    """Effective PostgreSQL parameters: pgplat's defaults, pgaudit's classes (default ddl and
    role) and ``environments.<env>.parameters`` (default none) on top."""
    backup_window: str
    """Daily UTC window 'HH:MM-HH:MM' (``maintenance.backup_window``, default derived from
    business hours)."""
    maintenance_window: str
    """Weekly UTC window 'ddd:HH:MM-ddd:HH:MM' (``maintenance.maintenance_window``, default
    derived from business hours)."""
    auto_minor_version_upgrade: bool
    """Whether RDS applies minor versions in the maintenance window
    (``maintenance.auto_minor_version_upgrade``, default true)."""
    availability_zones: list[str]
    """The zones the database spans (``Network.zones``): the existing VPC's subnets', or the
    first ``network.max_azs`` (default 3) of ``availability_zones``."""

    @property
    def shape(self) -> Shape:
        if self.settings.flavor == "aurora":
            return "aurora"
        return "rds-cluster" if self.settings.multi_az_cluster else "rds-instance"

    @property
    def major(self) -> str:
        """The engine major, as the engine and parameter-group names spell it."""
        return str(parse_engine_version(self.engine_version)[0])

    @property
    def removal_policy(self) -> RemovalPolicy:
        """A final snapshot whenever the database is protected (prod); dev just goes away."""
        if self.settings.deletion_protection:
            return RemovalPolicy.SNAPSHOT
        return RemovalPolicy.DESTROY


@jsii.implements(secretsmanager.ISecretAttachmentTarget)
class _ClusterAttachment:
    """Lets a secret be bound to a ``CfnDBCluster`` the way the L2 constructs bind theirs."""

    def __init__(self, cluster_identifier: str) -> None:
        self._identifier = cluster_identifier

    def as_secret_attachment_target(self) -> secretsmanager.SecretAttachmentTargetProps:
        return secretsmanager.SecretAttachmentTargetProps(
            target_id=self._identifier,
            target_type=secretsmanager.AttachmentTargetType.RDS_DB_CLUSTER,
        )


class PostgresDatabase(Construct):
    """The database, with the handles other constructs need.

    ``resource_id`` is the token used in ``rds-db:connect`` ARNs
    (``arn:aws:rds-db:<region>:<account>:dbuser:<resource_id>/<user>``); ``arn`` is what
    AWS Backup protects; ``metric_dimensions`` select its CloudWatch metrics.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        props: DatabaseProps,
        network: IsolatedNetwork,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.identifier = props.identifier
        self.port = props.settings.port
        self.security_group = network.db_security_group
        self.subnet_group_name = network.subnet_group.subnet_group_name
        self._key = key
        self.monitoring_role = self._monitoring_role()
        log_kind = "instance" if props.shape == "rds-instance" else "cluster"
        self.log_group = logs.LogGroup(
            self,
            "PostgresLog",
            log_group_name=f"/aws/rds/{log_kind}/{props.identifier}/postgresql",
            encryption_key=key,
            retention=log_retention(props.settings.monitoring.log_retention_days),
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.instance_identifiers: list[str] = []
        builders = {
            "aurora": self._aurora,
            "rds-instance": self._rds_instance,
            "rds-cluster": self._rds_cluster,
        }
        resource = builders[props.shape](network, key)
        resource.node.add_dependency(self.log_group)

    # -- shared pieces ---------------------------------------------------------------------

    def _monitoring_role(self) -> iam.Role | None:
        if self.props.settings.monitoring.enhanced_monitoring_interval == 0:
            return None
        return service_role(
            self,
            "MonitoringRole",
            service="monitoring.rds.amazonaws.com",
            managed_policy="service-role/AmazonRDSEnhancedMonitoringRole",
            description=f"Enhanced Monitoring of {self.props.identifier}",
        )

    @property
    def _monitoring_interval(self) -> Duration | None:
        seconds = self.props.settings.monitoring.enhanced_monitoring_interval
        return Duration.seconds(seconds) if seconds else None

    def _parameter_group(self, engine: rds.IEngine, major: int) -> rds.ParameterGroup:
        """``major``'s group, its id and name keyed on the major: the group an upgrade gives
        green is the very resource the synthesis declares once the configuration says so."""
        return parameter_group(
            self,
            f"ParametersPostgres{major}",
            engine=engine,
            name=self.props.identifier,
            group_name=parameter_group_name(self.props.identifier, major),
            parameters=self.props.parameters,
        )

    def _upgrade_parameter_group(self, engine: Callable[[str], rds.IEngine]) -> None:
        """``upgrade_to``'s group beside the current one, rendered though nothing uses it yet:
        `pgplat upgrade run` hands it to the Blue/Green deployment's green."""
        major = self.props.settings.upgrade_to
        if major is None:
            return
        group = self._parameter_group(engine(str(major)), major)
        if self.props.shape == "aurora":
            group.bind_to_cluster()
        else:
            group.bind_to_instance()

    def _l2_settings(
        self, network: IsolatedNetwork, key: kms.IKey, engine: rds.IEngine
    ) -> dict[str, object]:
        """What the CDK's ``DatabaseCluster`` (Aurora) and ``DatabaseInstance`` (RDS) are given
        alike: an RDS-managed master secret, the isolated subnets and security group, the key,
        IAM authentication, the maintenance window, protection and monitoring."""
        return {
            "engine": engine,
            "credentials": rds.Credentials.from_username(
                self.props.settings.master_username, encryption_key=key
            ),
            "manage_master_user_password": True,
            "vpc": network.vpc,
            "vpc_subnets": network.subnet_selection,
            "subnet_group": network.subnet_group,
            "security_groups": [network.db_security_group],
            "parameter_group": self._parameter_group(engine, int(self.props.major)),
            "port": self.port,
            "storage_encrypted": True,
            "storage_encryption_key": key,
            "iam_authentication": True,
            "preferred_maintenance_window": self.props.maintenance_window,
            "copy_tags_to_snapshot": True,
            "deletion_protection": self.props.settings.deletion_protection,
            "removal_policy": self.props.removal_policy,
            "monitoring_interval": self._monitoring_interval,
            "monitoring_role": self.monitoring_role,
            **self._performance_insights(),
        }

    def _performance_insights(self) -> dict[str, object]:
        """Performance Insights of an instance (or of every Aurora instance alike)."""
        monitoring = self.props.settings.monitoring
        if not monitoring.performance_insights:
            return {"enable_performance_insights": False}
        return {
            "enable_performance_insights": True,
            "performance_insight_encryption_key": self._key,
            "performance_insight_retention": _PI_RETENTION[
                monitoring.performance_insights_retention_days
            ],
        }

    def _finish(
        self,
        resource: Construct,
        *,
        arn: str,
        attachment: secretsmanager.ISecretAttachmentTarget,
    ) -> None:
        """Keep the handles of the built ``resource`` (an L2 construct, whose CloudFormation
        resource is its default child, or that resource itself). Ids, endpoints and the
        RDS-managed master secret are attributes of the CloudFormation resource in every shape;
        an instance's one endpoint is its reader endpoint too."""
        cfn = resource.node.default_child or resource
        assert isinstance(cfn, rds.CfnDBInstance | rds.CfnDBCluster)
        lifecycle = _LIFECYCLE[self.props.settings.extended_support]
        if lifecycle is not None:
            cfn.engine_lifecycle_support = lifecycle
        if isinstance(cfn, rds.CfnDBInstance):
            self.resource_id = cfn.attr_dbi_resource_id
            self.reader_endpoint = cfn.attr_endpoint_address
            self.metric_dimensions = {"DBInstanceIdentifier": self.props.identifier}
        else:
            self.resource_id = cfn.attr_db_cluster_resource_id
            self.reader_endpoint = cfn.attr_read_endpoint_address
            self.metric_dimensions = {"DBClusterIdentifier": self.props.identifier}
        self.writer_endpoint = cfn.attr_endpoint_address
        self.arn = arn
        self.master_secret: secretsmanager.ISecret = secretsmanager.Secret.from_secret_complete_arn(
            self, "MasterSecret", cfn.attr_master_user_secret_secret_arn
        )
        self.attachment_target = attachment

    # -- the three shapes ------------------------------------------------------------------

    def _aurora(self, network: IsolatedNetwork, key: kms.IKey) -> Construct:
        props, env = self.props, self.props.settings
        engine = _aurora_engine(props.engine_version)
        self._upgrade_parameter_group(_aurora_engine)
        zones = props.availability_zones
        names = ["writer", *(f"reader-{i + 1}" for i in range(env.readers))]
        tiers: list[int | None] = [None, *(env.promotion_tiers or ())]  # the writer has none
        tiers += [None] * (len(names) - len(tiers))
        instances = [
            self._aurora_instance(name, zones[i % len(zones)], tiers[i])
            for i, name in enumerate(names)
        ]
        self.instance_identifiers = [f"{props.identifier}-{name}" for name in names]
        serverless = env.serverless_v2
        cluster = rds.DatabaseCluster(
            self,
            "Cluster",
            cluster_identifier=props.identifier,
            default_database_name=props.database_name,
            writer=instances[0],
            readers=instances[1:],
            serverless_v2_min_capacity=serverless.min_acu if serverless else None,
            serverless_v2_max_capacity=serverless.max_acu if serverless else None,
            backup=rds.BackupProps(
                retention=Duration.days(env.backup.retention_days),
                preferred_window=props.backup_window,
            ),
            cloudwatch_logs_exports=["postgresql"],
            storage_type=rds.DBClusterStorageType(
                env.aurora_storage_type.upper().replace("-", "_")
            ),
            database_insights_mode=_INSIGHTS[env.monitoring.database_insights],
            **self._l2_settings(network, key, engine),  # type: ignore[arg-type]
        )
        self.cluster = cluster
        if env.reader_autoscaling is not None:
            self._reader_autoscaling(cluster)
        self._finish(cluster, arn=cluster.cluster_arn, attachment=cluster)
        return cluster

    def _aurora_instance(self, name: str, zone: str, tier: int | None) -> rds.IClusterInstance:
        """One instance of the cluster: the writer, or a reader with its own class and tier
        when the configuration gives them."""
        props = self.props
        common = {
            "instance_identifier": f"{props.identifier}-{name}",
            "availability_zone": zone,
            "auto_minor_version_upgrade": props.auto_minor_version_upgrade,
            "preferred_maintenance_window": props.maintenance_window,
            "publicly_accessible": False,
            **self._performance_insights(),
        }
        if props.settings.serverless_v2 is not None:
            return rds.ClusterInstance.serverless_v2(
                name,
                scale_with_writer=name == "reader-1",
                **common,  # type: ignore[arg-type]
            )
        settings = props.settings
        reader_class = settings.reader_instance_class if name != "writer" else None
        instance_class = reader_class or settings.instance_class
        return rds.ClusterInstance.provisioned(
            name,
            instance_type=ec2.InstanceType(instance_class.removeprefix("db.")),
            promotion_tier=tier,
            **common,  # type: ignore[arg-type]
        )

    def _reader_autoscaling(self, cluster: rds.DatabaseCluster) -> None:
        scaling = self.props.settings.reader_autoscaling
        assert scaling is not None
        target = autoscaling.ScalableTarget(
            self,
            "ReaderScaling",
            service_namespace=autoscaling.ServiceNamespace.RDS,
            scalable_dimension="rds:cluster:ReadReplicaCount",
            resource_id=f"cluster:{cluster.cluster_identifier}",
            min_capacity=scaling.min_capacity,
            max_capacity=scaling.max_capacity,
        )
        target.scale_to_track_metric(
            "ReaderCpu",
            target_value=scaling.target_cpu_percent,
            predefined_metric=autoscaling.PredefinedMetric.RDS_READER_AVERAGE_CPU_UTILIZATION,
        )

    def _rds_instance(self, network: IsolatedNetwork, key: kms.IKey) -> Construct:
        props, env = self.props, self.props.settings
        engine = _postgres_engine(props.engine_version)
        self._upgrade_parameter_group(_postgres_engine)
        storage = env.storage
        instance = rds.DatabaseInstance(
            self,
            "Instance",
            instance_identifier=props.identifier,
            instance_type=ec2.InstanceType(env.instance_class.removeprefix("db.")),
            database_name=props.database_name,
            multi_az=env.multi_az,
            availability_zone=None if env.multi_az else props.availability_zones[0],
            publicly_accessible=False,
            storage_type=rds.StorageType(storage.type.upper()),
            allocated_storage=storage.allocated_gib,
            max_allocated_storage=storage.max_allocated_gib,
            iops=storage.iops,
            backup_retention=Duration.days(env.backup.retention_days),
            preferred_backup_window=props.backup_window,
            auto_minor_version_upgrade=props.auto_minor_version_upgrade,
            delete_automated_backups=False,
            cloudwatch_logs_exports=["postgresql", "upgrade"],
            database_insights_mode=_INSIGHTS[env.monitoring.database_insights],
            **self._l2_settings(network, key, engine),  # type: ignore[arg-type]
        )
        self.instance = instance
        self.instance_identifiers = [props.identifier]
        self._finish(instance, arn=instance.instance_arn, attachment=instance)
        return instance

    def _cluster_parameter_group(self, major: int) -> rds.CfnDBClusterParameterGroup:
        """A Multi-AZ DB cluster's group of ``major`` (the L1 resource: no L2 construct)."""
        return rds.CfnDBClusterParameterGroup(
            self,
            f"ParametersPostgres{major}",
            family=f"postgres{major}",
            db_cluster_parameter_group_name=parameter_group_name(self.props.identifier, major),
            description=f"pgplat parameters of {self.props.identifier}",
            parameters=self.props.parameters,
        )

    def _rds_cluster(self, network: IsolatedNetwork, key: kms.IKey) -> Construct:
        props, env = self.props, self.props.settings
        parameters = self._cluster_parameter_group(int(props.major))
        if env.upgrade_to is not None:
            self._cluster_parameter_group(env.upgrade_to)
        monitoring = env.monitoring
        storage = env.storage
        cluster = rds.CfnDBCluster(
            self,
            "MultiAzCluster",
            engine="postgres",
            engine_version=props.engine_version,
            db_cluster_identifier=props.identifier,
            database_name=props.database_name,
            db_cluster_instance_class=env.instance_class,
            storage_type=storage.type,
            allocated_storage=storage.allocated_gib,
            iops=storage.iops or _gp3_baseline_iops(storage.allocated_gib),
            db_subnet_group_name=network.subnet_group.subnet_group_name,
            vpc_security_group_ids=[network.db_security_group.security_group_id],
            db_cluster_parameter_group_name=parameters.ref,
            port=self.port,
            publicly_accessible=False,
            storage_encrypted=True,
            kms_key_id=key.key_arn,
            master_username=env.master_username,
            manage_master_user_password=True,
            master_user_secret=rds.CfnDBCluster.MasterUserSecretProperty(kms_key_id=key.key_arn),
            backup_retention_period=env.backup.retention_days,
            preferred_backup_window=props.backup_window,
            preferred_maintenance_window=props.maintenance_window,
            auto_minor_version_upgrade=props.auto_minor_version_upgrade,
            copy_tags_to_snapshot=True,
            deletion_protection=env.deletion_protection,
            enable_cloudwatch_logs_exports=["postgresql", "upgrade"],
            monitoring_interval=monitoring.enhanced_monitoring_interval,
            monitoring_role_arn=self.monitoring_role.role_arn if self.monitoring_role else None,
            performance_insights_enabled=monitoring.performance_insights,
            database_insights_mode=monitoring.database_insights,
            performance_insights_kms_key_id=(
                key.key_arn if monitoring.performance_insights else None
            ),
            performance_insights_retention_period=(
                monitoring.performance_insights_retention_days
                if monitoring.performance_insights
                else None
            ),
        )
        cluster.apply_removal_policy(props.removal_policy)
        self.instance_identifiers = []
        self._finish(
            cluster, arn=cluster.attr_db_cluster_arn, attachment=_ClusterAttachment(cluster.ref)
        )
        return cluster


def _aurora_engine(version: str) -> rds.IClusterEngine:
    major = str(parse_engine_version(version)[0])
    return rds.DatabaseClusterEngine.aurora_postgres(
        version=rds.AuroraPostgresEngineVersion.of(version, major)
    )


def _postgres_engine(version: str) -> rds.IInstanceEngine:
    major = str(parse_engine_version(version)[0])
    return rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.of(version, major))


_LIFECYCLE: dict[bool | None, str | None] = {
    True: "open-source-rds-extended-support",
    False: "open-source-rds-extended-support-disabled",
    None: None,
}
"""``extended_support`` as CloudFormation's EngineLifecycleSupport (None: not set)."""

_INSIGHTS = {
    "standard": rds.DatabaseInsightsMode.STANDARD,
    "advanced": rds.DatabaseInsightsMode.ADVANCED,
}
"""``monitoring.database_insights`` as the CDK's CloudWatch Database Insights mode."""
