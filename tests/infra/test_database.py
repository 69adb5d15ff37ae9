"""Engine: Aurora (provisioned and Serverless v2), RDS instance and RDS Multi-AZ DB cluster,
with parameters, windows, credentials settings and monitoring settings from the config."""

from __future__ import annotations

from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.infra.parameters import BASELINE, effective_parameters
from tests.infra.templates import cmk_arn, only, props, resources


def _aurora_instances(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in resources(template, "AWS::RDS::DBInstance").values()]


def test_never_publicly_accessible(data_template: dict[str, Any]) -> None:
    for resource_type in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
        for resource in resources(data_template, resource_type).values():
            assert resource["Properties"].get("PubliclyAccessible", False) is False
    for instance in resources(data_template, "AWS::RDS::DBInstance").values():
        assert instance["Properties"]["PubliclyAccessible"] is False


def test_aurora_cluster(innovate: PgplatConfig, innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    cluster = props(template, "AWS::RDS::DBCluster")
    windows = innovate.maintenance.windows
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["EngineVersion"] == "14.19"
    assert cluster["DBClusterIdentifier"] == "innovate-prod"
    assert cluster["DatabaseName"] == "innovate"
    assert cluster["EnableIAMDatabaseAuthentication"] is True
    assert cluster["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in cluster
    assert cluster["MasterUserSecret"]["KmsKeyId"] == cmk_arn(template)
    assert cluster["KmsKeyId"] == cmk_arn(template)
    assert cluster["BackupRetentionPeriod"] == 14
    assert cluster["PreferredBackupWindow"] == windows.backup
    assert cluster["PreferredMaintenanceWindow"] == windows.maintenance
    assert cluster["CopyTagsToSnapshot"] is True
    assert cluster["DeletionProtection"] is True
    assert cluster["EnableCloudwatchLogsExports"] == ["postgresql"]
    assert only(template, "AWS::RDS::DBCluster")["DeletionPolicy"] == "Snapshot"


def test_aurora_writer_and_readers_spread_over_zones(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    template = innovate_synth.template("innovate-prod-data")
    instances = _aurora_instances(template)
    assert sorted(i["DBInstanceIdentifier"] for i in instances) == [
        "innovate-prod-reader-1",
        "innovate-prod-reader-2",
        "innovate-prod-writer",
    ]
    assert sorted(i["AvailabilityZone"] for i in instances) == innovate.availability_zones
    windows = innovate.maintenance.windows
    for instance in instances:
        assert instance["DBInstanceClass"] == "db.r6g.large"
        assert instance["AutoMinorVersionUpgrade"] is True
        assert instance["PreferredMaintenanceWindow"] == windows.maintenance
        assert instance["MonitoringInterval"] == 15
        assert instance["EnablePerformanceInsights"] is True
        assert instance["PerformanceInsightsKMSKeyId"] == cmk_arn(template)
        assert instance["PerformanceInsightsRetentionPeriod"] == 7
        assert "MonitoringRoleArn" in instance


def test_aurora_reader_autoscaling(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    target = props(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert target["ScalableDimension"] == "rds:cluster:ReadReplicaCount"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 5)
    policy = props(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] == 60
    assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "RDSReaderAverageCPUUtilization"
    )


def test_aurora_serverless_v2(serverless_synth: Synthesis) -> None:
    template = serverless_synth.template("innovate-prod-data")
    cluster = props(template, "AWS::RDS::DBCluster")
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 16}
    classes = {i["DBInstanceClass"] for i in _aurora_instances(template)}
    assert classes == {"db.serverless"}


def test_rds_instance(northwind: PgplatConfig, northwind_synth: Synthesis) -> None:
    template = northwind_synth.template("northwind-prod-data")
    assert resources(template, "AWS::RDS::DBCluster") == {}
    instance = props(template, "AWS::RDS::DBInstance")
    windows = northwind.maintenance.windows
    assert instance["Engine"] == "postgres"
    assert instance["EngineVersion"] == "17.6"
    assert instance["DBInstanceClass"] == "db.m6g.large"
    assert instance["MultiAZ"] is True
    assert instance["StorageType"] == "gp3"
    assert instance["AllocatedStorage"] == "200"
    assert instance["MaxAllocatedStorage"] == 2000
    assert instance["PubliclyAccessible"] is False
    assert instance["EnableIAMDatabaseAuthentication"] is True
    assert instance["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in instance
    assert instance["BackupRetentionPeriod"] == 30
    assert instance["PreferredBackupWindow"] == windows.backup
    assert instance["PreferredMaintenanceWindow"] == windows.maintenance
    assert instance["AutoMinorVersionUpgrade"] is True
    assert instance["CopyTagsToSnapshot"] is True
    assert instance["DeletionProtection"] is True
    assert instance["MonitoringInterval"] == 30
    assert instance["EnablePerformanceInsights"] is True
    assert set(instance["EnableCloudwatchLogsExports"]) == {"postgresql", "upgrade"}
    assert only(template, "AWS::RDS::DBInstance")["DeletionPolicy"] == "Snapshot"


def test_rds_multi_az_cluster(multi_az_cluster_synth: Synthesis) -> None:
    template = multi_az_cluster_synth.template("northwind-prod-data")
    cluster = props(template, "AWS::RDS::DBCluster")
    assert cluster["Engine"] == "postgres"
    assert cluster["EngineVersion"] == "17.6"
    assert cluster["DBClusterInstanceClass"] == "db.m6gd.large"
    assert cluster["StorageType"] == "gp3"
    assert cluster["Iops"] == 3000
    assert cluster["PubliclyAccessible"] is False
    assert cluster["StorageEncrypted"] is True
    assert cluster["ManageMasterUserPassword"] is True
    assert cluster["DeletionProtection"] is True
    assert only(template, "AWS::RDS::DBCluster")["DeletionPolicy"] == "Snapshot"
    assert resources(template, "AWS::RDS::DBInstance") == {}


@pytest.mark.parametrize(
    ("fixture", "stack", "group_type"),
    [
        ("innovate_synth", "innovate-prod-data", "AWS::RDS::DBClusterParameterGroup"),
        ("northwind_synth", "northwind-prod-data", "AWS::RDS::DBParameterGroup"),
        ("multi_az_cluster_synth", "northwind-prod-data", "AWS::RDS::DBClusterParameterGroup"),
    ],
)
def test_parameter_group_enforces_the_baseline(
    fixture: str, stack: str, group_type: str, request: pytest.FixtureRequest
) -> None:
    template = request.getfixturevalue(fixture).template(stack)
    parameters = props(template, group_type)["Parameters"]
    assert parameters["rds.force_ssl"] == "1"
    assert "pg_stat_statements" in parameters["shared_preload_libraries"]
    for name in (
        "log_min_duration_statement",
        "log_connections",
        "log_disconnections",
        "log_lock_waits",
        "idle_in_transaction_session_timeout",
    ):
        assert name in parameters


def test_parameters_are_overridable_from_config(multi_az_cluster_synth: Synthesis) -> None:
    template = multi_az_cluster_synth.template("northwind-prod-data")
    parameters = props(template, "AWS::RDS::DBClusterParameterGroup")["Parameters"]
    assert parameters["log_min_duration_statement"] == "250"
    assert parameters["pgaudit.log"] == "ddl"
    assert props(template, "AWS::RDS::DBClusterParameterGroup")["Family"] == "postgres17"


def test_effective_parameters_override_and_extend_the_baseline() -> None:
    merged = effective_parameters(
        {"log_lock_waits": 0, "work_mem": "64MB"}, pgaudit_classes=["ddl", "role"]
    )
    assert merged["log_lock_waits"] == "0"
    assert merged["work_mem"] == "64MB"
    assert merged["pgaudit.log"] == "ddl,role"
    added = ("log_lock_waits", "work_mem", "pgaudit.log")
    assert {k: v for k, v in merged.items() if k not in added} == {
        k: v for k, v in BASELINE.items() if k != "log_lock_waits"
    }


def test_enhanced_monitoring_role(data_template: dict[str, Any]) -> None:
    roles = [
        r["Properties"]
        for r in resources(data_template, "AWS::IAM::Role").values()
        if "monitoring.rds.amazonaws.com" in str(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert len(roles) == 1
    assert "AmazonRDSEnhancedMonitoringRole" in str(roles[0]["ManagedPolicyArns"])


def test_log_group_exists_before_the_database_and_is_encrypted(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    groups = {
        k: v
        for k, v in resources(template, "AWS::Logs::LogGroup").items()
        if v["Properties"].get("LogGroupName") == "/aws/rds/cluster/innovate-prod/postgresql"
    }
    ((logical_id, group),) = groups.items()
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["Properties"]["KmsKeyId"] == cmk_arn(template)
    assert logical_id in only(template, "AWS::RDS::DBCluster")["DependsOn"]
