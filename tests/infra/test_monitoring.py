"""Monitoring: encrypted alarm topic with subscriptions, the alarms each shape needs, RDS
event subscriptions and a dashboard."""

from __future__ import annotations

from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.infra.sizing import max_connections, memory_gib
from tests.fixtures.synth import ALARM_TOPIC_ARN
from tests.infra.templates import cmk_arn, props, resources

COMMON = {"connections", "deadlocks", "free-storage"}
WHOLE_DATABASE = {"cpu", "freeable-memory"}
AURORA_INSTANCES = ("writer", "reader-1", "reader-2")
PER_INSTANCE = {f"{m}-{i}" for m in WHOLE_DATABASE for i in AURORA_INSTANCES}
"""Aurora: CPU and memory of each instance, so a saturated writer can't hide behind readers."""
BUSIEST_READER = {f"{m}-busiest-reader" for m in WHOLE_DATABASE}
"""Aurora with reader autoscaling: the readers it adds, through the READER role's extreme."""


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The database alarms (those of the Monitoring construct), by short name."""
    return {
        a["Properties"]["AlarmName"].split("-", 2)[-1]: a["Properties"]
        for logical_id, a in resources(template, "AWS::CloudWatch::Alarm").items()
        if logical_id.startswith("Monitoring")
    }


@pytest.mark.parametrize(
    ("fixture", "stack", "extra", "storage_metric"),
    [
        (
            "innovate_synth",
            "innovate-prod-data",
            {"replica-lag", *PER_INSTANCE, *BUSIEST_READER},
            "FreeLocalStorage",
        ),
        ("northwind_synth", "northwind-prod-data", WHOLE_DATABASE, "FreeStorageSpace"),
        (
            "multi_az_cluster_synth",
            "northwind-prod-data",
            {"replica-lag", *WHOLE_DATABASE},
            "FreeStorageSpace",
        ),
        (
            "serverless_synth",
            "innovate-prod-data",
            {"replica-lag", "acu-utilization", *PER_INSTANCE, *BUSIEST_READER},
            "FreeLocalStorage",
        ),
    ],
)
def test_alarms_per_shape(
    fixture: str, stack: str, extra: set[str], storage_metric: str, request: pytest.FixtureRequest
) -> None:
    template = request.getfixturevalue(fixture).template(stack)
    alarms = _alarms(template)
    assert set(alarms) == COMMON | extra
    assert alarms["free-storage"]["MetricName"] == storage_metric
    topic = next(iter(resources(template, "AWS::SNS::Topic")))
    for alarm in alarms.values():
        assert {"Ref": topic} in alarm["AlarmActions"]


@pytest.mark.parametrize("fixture", ["innovate_synth", "serverless_synth"])
def test_aurora_cpu_and_memory_are_alarmed_per_instance(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    alarms = _alarms(request.getfixturevalue(fixture).template("innovate-prod-data"))
    for name in PER_INSTANCE:
        instance = name.removeprefix("cpu-").removeprefix("freeable-memory-")
        assert alarms[name]["Dimensions"] == [
            {"Name": "DBInstanceIdentifier", "Value": f"innovate-prod-{instance}"}
        ]
    assert alarms["cpu-writer"]["Statistic"] == "Average"
    assert alarms["freeable-memory-reader-1"]["Statistic"] == "Minimum"
    readers = [
        {"Name": "DBClusterIdentifier", "Value": "innovate-prod"},
        {"Name": "Role", "Value": "READER"},
    ]
    busiest_cpu, least_memory = (
        alarms["cpu-busiest-reader"],
        alarms["freeable-memory-busiest-reader"],
    )
    assert sorted(busiest_cpu["Dimensions"], key=str) == sorted(readers, key=str)
    assert (busiest_cpu["Statistic"], least_memory["Statistic"]) == ("Maximum", "Minimum")


def test_every_alarm_also_goes_to_the_configured_topic(
    multi_az_cluster_synth: Synthesis,
) -> None:
    """The variant routes alarms to alarm_topic_arn only; the drill-age alarm too."""
    template = multi_az_cluster_synth.template("northwind-prod-data")
    every_alarm = resources(template, "AWS::CloudWatch::Alarm").values()
    drill = [a for a in every_alarm if a["Properties"]["AlarmName"].endswith("restore-drill")]
    assert len(drill) == 1
    for alarm in every_alarm:
        assert ALARM_TOPIC_ARN in alarm["Properties"]["AlarmActions"], alarm
        assert ALARM_TOPIC_ARN in alarm["Properties"]["OKActions"], alarm


def test_thresholds_come_from_config(innovate: PgplatConfig, innovate_synth: Synthesis) -> None:
    alarms = _alarms(innovate_synth.template("innovate-prod-data"))
    limits = innovate.environments.prod.monitoring.thresholds
    assert alarms["cpu-writer"]["Threshold"] == limits.cpu_percent
    assert alarms["cpu-reader-2"]["Threshold"] == limits.cpu_percent
    assert alarms["freeable-memory-writer"]["Threshold"] == limits.freeable_memory_mib * 1024**2
    assert alarms["free-storage"]["Threshold"] == limits.free_storage_gib * 1024**3
    assert alarms["replica-lag"]["Threshold"] == limits.replica_lag_seconds * 1000
    assert alarms["replica-lag"]["MetricName"] == "AuroraReplicaLagMaximum"
    limit = max_connections(innovate.environments.prod)
    assert alarms["connections"]["Threshold"] == round(limit * limits.connections_percent / 100)
    assert alarms["deadlocks"]["Namespace"] == "pgplat/innovate-prod"


def test_deadlocks_are_counted_from_the_postgres_log(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    metric_filter = props(template, "AWS::Logs::MetricFilter")
    assert "deadlock detected" in metric_filter["FilterPattern"]


def test_topic_is_encrypted_and_subscribed(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    assert props(template, "AWS::SNS::Topic")["KmsMasterKeyId"] == cmk_arn(template)
    subscription = props(template, "AWS::SNS::Subscription")
    assert subscription == subscription | {
        "Protocol": "email",
        "Endpoint": "dba-oncall@innovate.example",
    }


def test_event_subscriptions(innovate_synth: Synthesis, northwind_synth: Synthesis) -> None:
    aurora = {
        e["Properties"]["SourceType"]: e["Properties"]
        for e in resources(
            innovate_synth.template("innovate-prod-data"), "AWS::RDS::EventSubscription"
        ).values()
    }
    assert set(aurora["db-cluster"]["EventCategories"]) == {"failover", "failure", "maintenance"}
    assert "low storage" in aurora["db-instance"]["EventCategories"]
    assert len(aurora["db-instance"]["SourceIds"]) == 3
    rds = props(northwind_synth.template("northwind-prod-data"), "AWS::RDS::EventSubscription")
    assert rds["SourceIds"] == ["northwind-prod"]
    assert {"failover", "failure", "maintenance", "low storage"} <= set(rds["EventCategories"])


def test_dashboard(data_template: dict[str, Any]) -> None:
    dashboard = props(data_template, "AWS::CloudWatch::Dashboard")
    assert dashboard["DashboardName"].startswith("pgplat-")


@pytest.mark.parametrize(
    ("instance_class", "gib"),
    [("db.r6g.large", 16), ("db.t4g.micro", 1), ("db.m6g.2xlarge", 32), ("db.x2g.xlarge", 64)],
)
def test_instance_memory(instance_class: str, gib: float) -> None:
    assert memory_gib(instance_class) == gib


def test_serverless_memory_is_taken_at_max_capacity() -> None:
    assert memory_gib("db.serverless", 16) == 32


def test_explicit_max_connections_wins(innovate: PgplatConfig) -> None:
    prod = innovate.environments.prod
    assert max_connections(prod) == 16 * 1024**3 // 9531392
    explicit = prod.model_copy(update={"parameters": {"max_connections": 300}})
    assert max_connections(explicit) == 300
