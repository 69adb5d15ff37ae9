"""The failover drill's report — JSON for machines, Markdown for people, the probe's log
beside them as evidence — and its CloudWatch metrics, kept per database like restore drills'."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

from pgplat.drills.failover.figures import Figures
from pgplat.drills.failover.probe import ProbeLog
from pgplat.drills.report import DrillReport, seconds_text
from pgplat.validator.metrics import Measure

FailoverOutcome = Literal["passed", "failed", "error", "interrupted"]

NAMESPACE = "pgplat/FailoverDrills"


@dataclass
class FailoverReport(DrillReport):
    kind: ClassVar[str] = "failover"
    namespace: ClassVar[str] = NAMESPACE
    verdicts: ClassVar[Mapping[str, str]] = {
        "passed": "PASSED: writes recovered, no error reached the application, no write was lost",
        "failed": "FAILED: the application saw errors, lost writes, or did not recover",
    }
    outcome: FailoverOutcome = field(default="error", kw_only=True)
    target: str
    started_at: datetime
    rate: float
    """Writes (and reads) per second the probe aimed for."""
    triggered_at: float | None = None
    """Seconds into the probe's log when the failover was triggered."""
    ended_at: float | None = None
    """Seconds into the probe's log when the probe stopped."""
    new_writer: str | None = None
    figures: Figures | None = None
    lost_writes: list[int] = field(default_factory=list)
    """Acknowledged sequence numbers the new writer does not hold."""
    log: ProbeLog = field(default_factory=ProbeLog)

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
        facts = {
            "environment": self.environment,
            "failed over": self.target,
            "new writer": self.new_writer or "unknown",
            "started": self.started_at.isoformat(timespec="seconds"),
            "probe": f"{self.rate:g} writes and {self.rate:g} reads per second",
        }
        if self.figures is not None:
            f = self.figures
            facts |= {
                "time to detect": seconds_text(f.detection_seconds),
                "writes unavailable": seconds_text(f.write_unavailable_seconds),
                "reads unavailable": seconds_text(f.read_unavailable_seconds),
                "errors reaching the application": str(f.errors),
                "failover signals handled by the client": f"{f.failover_signals} "
                f"({f.retries} retries)",
                "writes acknowledged": str(f.writes_acknowledged),
                "acknowledged writes lost": str(len(self.lost_writes)),
            }
        lines = self._heading(f"Failover drill {self.drill_id}", facts)
        lines += [
            "",
            "Unavailability is the longest time without an acknowledgement around the failover, "
            "pacing included; the probe's log (`.probe.jsonl`) holds every event.",
        ]
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> tuple[Path, ...]:
        """The JSON and Markdown reports, and ``<id>.probe.jsonl`` beside them."""
        probe_log = directory / f"{self.drill_id}.probe.jsonl"
        written = super().write(directory)
        self.log.write(probe_log)
        return (*written, probe_log)

    def measured_at(self) -> datetime:
        return self.started_at

    def measures(self) -> dict[str, Measure]:
        f = self.figures
        values: dict[str, Measure] = {
            "DrillSucceeded": (1.0 if self.passed else 0.0, "Count"),
            "LostWrites": (float(len(self.lost_writes)), "Count"),
        }
        if f is not None:
            values |= {
                "DetectionSeconds": (f.detection_seconds, "Seconds"),
                "WriteUnavailableSeconds": (f.write_unavailable_seconds, "Seconds"),
                "ReadUnavailableSeconds": (f.read_unavailable_seconds, "Seconds"),
                "ErrorsSurfaced": (float(f.errors), "Count"),
            }
        return values
