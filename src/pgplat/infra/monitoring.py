"""Alarms, notifications, RDS events and a dashboard for one database.

Every alarm goes to one SNS topic encrypted with the environment's key (and to an existing
topic when configured): ``alarm_actions``, which every alarm of the database uses. Thresholds
come from ``monitoring.thresholds``. On Aurora, CPU and memory are alarmed on each instance
(writer and every reader): a cluster-wide average lets a saturated writer hide behind idle
readers. Deadlocks are counted from the PostgreSQL log ("deadlock detected"), which works the
same for Aurora and RDS.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from pgplat.infra.database import PostgresDatabase
from pgplat.infra.sizing import max_connections

MIB = 1024**2
GIB = 1024**3
_INSTANCE_EVENTS = [
    "availability",
    "configuration change",
    "failover",
    "failure",
    "low storage",
    "maintenance",
]
"""What reaches the on-call topic; Control Tower's CT.RDS.PR.17 asks for configuration
changes too (a parameter group or class changed by hand shows up)."""
_CLUSTER_EVENTS = ["failover", "failure", "maintenance"]
_READERS = "READER"
"""Aurora's Role dimension for all readers of a cluster (autoscaled ones included)."""


@dataclass(frozen=True)
class _AlarmSpec:
    name: str
    metric: cloudwatch.IMetric
    threshold: float
    comparison: cloudwatch.ComparisonOperator
    description: str
    evaluation_periods: int = 3


class DatabaseMonitoring(Construct):
    """Topic, alarms, event subscriptions and dashboard; ``alarms`` by short name."""

    def __init__(
        self, scope: Construct, construct_id: str, *, database: PostgresDatabase, key: kms.IKey
    ) -> None:
        super().__init__(scope, construct_id)
        self.database = database
        settings = database.props.settings.monitoring
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name=f"PostgreSQL {database.identifier} alarms",
            master_key=key,
            enforce_ssl=True,
        )
        for email in settings.alarm_emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.alarm_actions: list[cloudwatch.IAlarmAction] = [actions.SnsAction(self.topic)]
        """Where every alarm of the database notifies (drill-age alarm included)."""
        if settings.alarm_topic_arn is not None:
            existing = sns.Topic.from_topic_arn(self, "ExistingTopic", settings.alarm_topic_arn)
            self.alarm_actions.append(actions.SnsAction(existing))

        specs = self._alarm_specs()
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for spec in specs:
            alarm = cloudwatch.Alarm(
                self,
                spec.name,
                alarm_name=f"{database.identifier}-{spec.name}",
                alarm_description=spec.description,
                metric=spec.metric,
                threshold=spec.threshold,
                comparison_operator=spec.comparison,
                evaluation_periods=spec.evaluation_periods,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.notify(alarm)
            self.alarms[spec.name] = alarm

        self._event_subscriptions()
        self.dashboard = self._dashboard(specs)

    def notify(self, alarm: cloudwatch.Alarm) -> None:
        """Send ``alarm`` (and its return to OK) wherever the database's alarms go."""
        alarm.add_alarm_action(*self.alarm_actions)
        alarm.add_ok_action(*self.alarm_actions)

    def _metric(
        self, name: str, statistic: str = "Average", instance: str | None = None
    ) -> cloudwatch.Metric:
        """An RDS metric of the whole database, of one DB instance of it, or (``instance`` is
        ``READER``) of the cluster's readers as one series, the extreme over all of them."""
        dimensions = dict(self.database.metric_dimensions)
        if instance == _READERS:
            dimensions["Role"] = _READERS
        elif instance is not None:
            dimensions = {"DBInstanceIdentifier": instance}
        return cloudwatch.Metric(
            namespace="AWS/RDS",
            metric_name=name,
            dimensions_map=dimensions,
            statistic=statistic,
            period=Duration.minutes(5),
        )

    def _saturation_specs(self) -> list[_AlarmSpec]:
        """CPU and freeable memory: per instance on Aurora (named after the instance's role,
        ``cpu-writer``, ``cpu-reader-1``) and, with reader autoscaling, of the busiest reader
        (the readers it adds are not in the template); else of the one database."""
        settings = self.database.props.settings
        limits = settings.monitoring.thresholds
        above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
        below = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
        instances: list[tuple[str, str | None]] = [("", None)]
        if self.database.props.shape == "aurora":
            prefix = f"{self.database.identifier}-"
            instances = [
                (f"-{identifier.removeprefix(prefix)}", identifier)
                for identifier in self.database.instance_identifiers
            ]
            if settings.reader_autoscaling is not None:
                instances.append(("-busiest-reader", _READERS))
        specs = []
        for suffix, instance in instances:
            busiest = instance == _READERS
            where = " on the busiest reader" if busiest else f" on {instance}" if instance else ""
            specs += [
                _AlarmSpec(
                    f"cpu{suffix}",
                    self._metric("CPUUtilization", "Maximum" if busiest else "Average", instance),
                    limits.cpu_percent,
                    above,
                    f"CPU above {limits.cpu_percent}%{where}",
                ),
                _AlarmSpec(
                    f"freeable-memory{suffix}",
                    self._metric("FreeableMemory", "Minimum", instance),
                    limits.freeable_memory_mib * MIB,
                    below,
                    f"Freeable memory below {limits.freeable_memory_mib} MiB{where}",
                ),
            ]
        return specs

    def _deadlocks(self) -> cloudwatch.IMetric:
        namespace = f"pgplat/{self.database.identifier}"
        logs.MetricFilter(
            self,
            "DeadlockFilter",
            log_group=self.database.log_group,
            filter_pattern=logs.FilterPattern.literal('"deadlock detected"'),
            metric_namespace=namespace,
            metric_name="Deadlocks",
            metric_value="1",
            default_value=0,
        )
        return cloudwatch.Metric(
            namespace=namespace,
            metric_name="Deadlocks",
            statistic="Sum",
            period=Duration.minutes(5),
        )

    def _alarm_specs(self) -> list[_AlarmSpec]:
        props = self.database.props
        env = props.settings
        limits = env.monitoring.thresholds
        above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
        below = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
        connection_limit = max_connections(env)
        specs = [
            *self._saturation_specs(),
            _AlarmSpec(
                "connections",
                self._metric("DatabaseConnections", "Maximum"),
                round(connection_limit * limits.connections_percent / 100),
                above,
                f"Connections above {limits.connections_percent}% of max_connections "
                f"({connection_limit})",
            ),
            _AlarmSpec(
                "deadlocks",
                self._deadlocks(),
                0,
                above,
                "PostgreSQL logged a deadlock",
                evaluation_periods=1,
            ),
        ]
        storage_metric = "FreeLocalStorage" if props.shape == "aurora" else "FreeStorageSpace"
        specs.append(
            _AlarmSpec(
                "free-storage",
                self._metric(storage_metric, "Minimum"),
                limits.free_storage_gib * GIB,
                below,
                f"{storage_metric} below {limits.free_storage_gib} GiB",
            )
        )
        lag_metric = {"aurora": "AuroraReplicaLagMaximum", "rds-cluster": "ReplicaLag"}
        has_replicas = props.shape == "rds-cluster" or (props.shape == "aurora" and env.readers)
        if has_replicas:
            # Aurora reports milliseconds, the Multi-AZ DB cluster seconds.
            scale = 1000 if props.shape == "aurora" else 1
            specs.append(
                _AlarmSpec(
                    "replica-lag",
                    self._metric(lag_metric[props.shape], "Maximum"),
                    limits.replica_lag_seconds * scale,
                    above,
                    f"Replica lag above {limits.replica_lag_seconds} s",
                )
            )
        if env.serverless_v2 is not None:
            specs.append(
                _AlarmSpec(
                    "acu-utilization",
                    self._metric("ACUUtilization"),
                    limits.acu_utilization_percent,
                    above,
                    f"Serverless v2 capacity above {limits.acu_utilization_percent}% of max ACU",
                )
            )
        return specs

    def _event_subscriptions(self) -> None:
        database = self.database
        if database.props.shape != "rds-instance":
            cluster_events = rds.CfnEventSubscription(
                self,
                "ClusterEvents",
                sns_topic_arn=self.topic.topic_arn,
                source_type="db-cluster",
                source_ids=[database.identifier],
                event_categories=_CLUSTER_EVENTS,
                enabled=True,
            )
            cluster_events.node.add_dependency(database)
        if database.instance_identifiers:
            subscription = rds.CfnEventSubscription(
                self,
                "InstanceEvents",
                sns_topic_arn=self.topic.topic_arn,
                source_type="db-instance",
                source_ids=database.instance_identifiers,
                event_categories=_INSTANCE_EVENTS,
                enabled=True,
            )
            subscription.node.add_dependency(database)

    def _dashboard(self, specs: list[_AlarmSpec]) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"pgplat-{self.database.identifier}"
        )
        dashboard.add_widgets(
            *(
                cloudwatch.GraphWidget(
                    title=spec.description,
                    left=[spec.metric],
                    left_annotations=[
                        cloudwatch.HorizontalAnnotation(value=spec.threshold, label="alarm")
                    ],
                    width=8,
                )
                for spec in specs
            )
        )
        return dashboard
