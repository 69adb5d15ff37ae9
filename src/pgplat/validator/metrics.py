"""Drill results as CloudWatch custom metrics, the input of the "no recent good drill" alarm.

On-demand drills and scheduled restore tests publish the same metrics under one namespace, so
either kind of success keeps the alarm quiet. CloudWatch alarms look back at most seven days,
while a drill may be due only every few weeks; so the age of the last success is published as
a metric of its own (``DaysSinceSuccessfulDrill``), refreshed daily by the validation Lambda,
and the alarm watches that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.literals import StandardUnitType
    from mypy_boto3_cloudwatch.type_defs import DimensionTypeDef, MetricDatumTypeDef

NAMESPACE = "pgplat/RestoreDrills"
SUCCEEDED = "DrillSucceeded"
RECOVERY_TIME = "RecoveryTimeSeconds"
RECOVERY_POINT = "RecoveryPointSeconds"
FAILED_CHECKS = "FailedChecks"
DAYS_SINCE_SUCCESS = "DaysSinceSuccessfulDrill"
LOOKBACK = timedelta(days=90)
"""How far back the last success is searched (the configuration allows up to 90 days)."""


Measure = tuple[float | None, "StandardUnitType"]
"""A metric's value (None: not measured, not published) and its unit."""


@dataclass(frozen=True)
class RestoreFigures:
    """What one drill or restore test proved, in the units the metrics use."""

    succeeded: bool
    failed_checks: int
    recovery_time_seconds: float | None
    recovery_point_seconds: float | None


def dimensions(source: str) -> list[DimensionTypeDef]:
    """Metrics are kept per source database identifier (``<name>-<env>``)."""
    return [{"Name": "Database", "Value": source}]


def put_metrics(
    cloudwatch: CloudWatchClient,
    namespace: str,
    source: str,
    at: datetime,
    values: Mapping[str, Measure],
) -> None:
    """Publish the measured ``values`` of ``source`` at ``at`` (restore and failover drills)."""
    data: list[MetricDatumTypeDef] = [
        {
            "MetricName": name,
            "Dimensions": dimensions(source),
            "Timestamp": at,
            "Value": value,
            "Unit": unit,
        }
        for name, (value, unit) in values.items()
        if value is not None
    ]
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)


def measures(figures: RestoreFigures) -> dict[str, Measure]:
    """A restore drill's or restore test's figures as metric values."""
    return {
        SUCCEEDED: (1.0 if figures.succeeded else 0.0, "Count"),
        FAILED_CHECKS: (float(figures.failed_checks), "Count"),
        RECOVERY_TIME: (figures.recovery_time_seconds, "Seconds"),
        RECOVERY_POINT: (figures.recovery_point_seconds, "Seconds"),
    }


def publish(
    cloudwatch: CloudWatchClient, source: str, at: datetime, figures: RestoreFigures
) -> None:
    """A restore test's figures as metrics of ``source``."""
    put_metrics(cloudwatch, NAMESPACE, source, at, measures(figures))


def publish_days_since_success(cloudwatch: CloudWatchClient, source: str, now: datetime) -> float:
    """Find the newest successful drill in the last 90 days and publish its age in days."""
    found = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=SUCCEEDED,
        Dimensions=dimensions(source),
        StartTime=now - LOOKBACK,
        EndTime=now,
        Period=3600,
        Statistics=["Maximum"],
    )
    successes = [p["Timestamp"] for p in found["Datapoints"] if p.get("Maximum", 0) >= 1]
    newest = max(successes, default=now - LOOKBACK)
    days = (now - newest).total_seconds() / 86400
    put_metrics(cloudwatch, NAMESPACE, source, now, {DAYS_SINCE_SUCCESS: (round(days, 3), "None")})
    return days
