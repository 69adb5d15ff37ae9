"""The failover drill's report — JSON for machines, Markdown for people, the probe's log
beside them as evidence — and its CloudWatch metrics, kept per database like restore drills'."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pgplat.drills.failover.figures import Figures
from pgplat.drills.failover.probe import ProbeLog
from pgplat.drills.restore.metrics import dimensions

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.literals import StandardUnitType
    from mypy_boto3_cloudwatch.type_defs import MetricDatumTypeDef

Outcome = Literal["passed", "failed", "error", "interrupted"]

NAMESPACE = "pgplat/FailoverDrills"

_VERDICT: dict[Outcome, str] = {
    "passed": "PASSED: writes recovered, no error reached the application, no write was lost",
    "failed": "FAILED: the application saw errors, lost writes, or did not recover",
    "error": "ERROR: the drill could not complete",
    "interrupted": "INTERRUPTED: stopped by the operator",
}


@dataclass
class FailoverReport:
    drill_id: str
    environment: str
    target: str
    started_at: datetime
    rate: float
    """Writes (and reads) per second the probe aimed for."""
    triggered_at: float | None = None
    """Seconds into the probe's log when the failover was triggered."""
    ended_at: float | None = None
    """Seconds into the probe's log when the probe stopped."""
    new_writer: str | None = None
    outcome: Outcome = "error"
    message: str = ""
    figures: Figures | None = None
    lost_writes: list[int] = field(default_factory=list)
    """Acknowledged sequence numbers the new writer does not hold."""
    log: ProbeLog = field(default_factory=ProbeLog)

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "drill_id": self.drill_id,
            "environment": self.environment,
            "target": self.target,
            "started_at": self.started_at.isoformat(),
            "rate_per_second": self.rate,
            "triggered_at": self.triggered_at,
            "ended_at": self.ended_at,
            "new_writer": self.new_writer,
            "outcome": self.outcome,
            "passed": self.passed,
            "message": self.message,
            "figures": self.figures.as_dict() if self.figures else None,
            "lost_writes": self.lost_writes,
        }

    def to_markdown(self) -> str:
        lines = [
            f"# Failover drill {self.drill_id}",
            "",
            f"**{_VERDICT[self.outcome]}**" + (f": {self.message}" if self.message else ""),
            "",
            "| | |",
            "|---|---|",
            f"| environment | {self.environment} |",
            f"| failed over | {self.target} |",
            f"| new writer | {self.new_writer or 'unknown'} |",
            f"| started | {self.started_at.isoformat(timespec='seconds')} |",
            f"| probe | {self.rate:g} writes and {self.rate:g} reads per second |",
        ]
        if self.figures is not None:
            f = self.figures
            lines += [
                f"| time to detect | {_seconds(f.detection_seconds)} |",
                f"| writes unavailable | {_seconds(f.write_unavailable_seconds)} |",
                f"| reads unavailable | {_seconds(f.read_unavailable_seconds)} |",
                f"| errors reaching the application | {f.errors} |",
                f"| failover signals handled by the client | {f.failover_signals} "
                f"({f.retries} retries) |",
                f"| writes acknowledged | {f.writes_acknowledged} |",
                f"| acknowledged writes lost | {len(self.lost_writes)} |",
            ]
        lines += [
            "",
            "Unavailability is the longest time without an acknowledgement around the failover, "
            "pacing included; the probe's log (`.probe.jsonl`) holds every event.",
        ]
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> tuple[Path, Path, Path]:
        """Write ``<id>.json``, ``<id>.md`` and ``<id>.probe.jsonl`` into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        as_json = directory / f"{self.drill_id}.json"
        as_markdown = directory / f"{self.drill_id}.md"
        probe_log = directory / f"{self.drill_id}.probe.jsonl"
        as_json.write_text(json.dumps(self.as_dict(), indent=2, sort_keys=True) + "\n")
        as_markdown.write_text(self.to_markdown())
        self.log.write(probe_log)
        return as_json, as_markdown, probe_log


def publish(cloudwatch: CloudWatchClient, database: str, report: FailoverReport) -> None:
    """The report's figures as metrics of ``database`` (its identifier)."""
    f = report.figures
    values: dict[str, tuple[float | None, StandardUnitType]] = {
        "DrillSucceeded": (1.0 if report.passed else 0.0, "Count"),
        "LostWrites": (float(len(report.lost_writes)), "Count"),
    }
    if f is not None:
        values |= {
            "DetectionSeconds": (f.detection_seconds, "Seconds"),
            "WriteUnavailableSeconds": (f.write_unavailable_seconds, "Seconds"),
            "ReadUnavailableSeconds": (f.read_unavailable_seconds, "Seconds"),
            "ErrorsSurfaced": (float(f.errors), "Count"),
        }
    data: list[MetricDatumTypeDef] = [
        {
            "MetricName": name,
            "Dimensions": dimensions(database),
            "Timestamp": report.started_at,
            "Value": value,
            "Unit": unit,
        }
        for name, (value, unit) in values.items()
        if value is not None
    ]
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)


def _seconds(value: float | None) -> str:
    return "not observed" if value is None else f"{value:.2f} s"
