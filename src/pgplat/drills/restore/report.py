"""The restore drill's report: what was restored, how long it took, what the checks said,
what was removed; and its figures as the restore-drill metrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from pgplat.drills.report import DrillReport
from pgplat.validator.metrics import NAMESPACE, Measure, RestoreFigures, measures
from pgplat.validator.suite import CheckResult

RestoreOutcome = Literal["passed", "failed", "error", "timeout", "interrupted"]


@dataclass
class RestoreReport(DrillReport):
    kind: ClassVar[str] = "drill"
    namespace: ClassVar[str] = NAMESPACE
    verdicts: ClassVar[Mapping[str, str]] = {
        "passed": "PASSED: the backup restored and every check passed",
        "failed": "FAILED: the backup restored but checks failed",
        "timeout": "TIMEOUT: the copy was not usable before the deadline",
    }
    outcome: RestoreOutcome = field(default="error", kw_only=True)
    source: str
    shape: str
    restore_from: str
    requested_at: datetime
    recovery_point: datetime
    snapshot: str | None = None
    usable_at: datetime | None = None
    finished_at: datetime | None = None
    checks: list[CheckResult] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)
    teardown_error: str | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == "passed" and not self.leftover

    def measured_at(self) -> datetime:
        return self.requested_at

    def measures(self) -> dict[str, Measure]:
        failed = sum(1 for check in self.checks if not check.passed)
        return measures(
            RestoreFigures(
                self.passed, failed, self.recovery_time_seconds, self.recovery_point_seconds
            )
        )

    @property
    def recovery_time_seconds(self) -> float | None:
        """Request to usable copy: the recovery time this backup achieves."""
        if self.usable_at is None:
            return None
        return (self.usable_at - self.requested_at).total_seconds()

    @property
    def recovery_point_seconds(self) -> float:
        """How much data a restore at request time would have lost."""
        return max((self.requested_at - self.recovery_point).total_seconds(), 0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "drill_id": self.drill_id,
            "environment": self.environment,
            "source": self.source,
            "shape": self.shape,
            "restore_from": self.restore_from,
            "snapshot": self.snapshot,
            "requested_at": self.requested_at.isoformat(),
            "recovery_point": self.recovery_point.isoformat(),
            "usable_at": self.usable_at.isoformat() if self.usable_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "recovery_time_seconds": self.recovery_time_seconds,
            "recovery_point_seconds": self.recovery_point_seconds,
            "outcome": self.outcome,
            "passed": self.passed,
            "message": self.message,
            "checks": [check.as_dict() for check in self.checks],
            "created": self.created,
            "leftover": self.leftover,
            "teardown_error": self.teardown_error,
        }

    def to_markdown(self) -> str:
        facts = {
            "environment": self.environment,
            "source": f"{self.shape} `{self.source}`",
            "restored from": self._restored_from(),
            "requested": self.requested_at.isoformat(timespec="seconds"),
            "recovery time": _duration(self.recovery_time_seconds),
            "recovery point": f"{_duration(self.recovery_point_seconds)} of data at risk",
        }
        lines = [
            *self._heading(f"Restore drill {self.drill_id}", facts),
            "",
        ]
        if self.checks:
            lines += ["## Checks", "", "| result | kind | check | detail |", "|---|---|---|---|"]
            lines += [
                f"| {'pass' if c.passed else 'FAIL'} | {c.kind} | {_cell(c.name)} | {_cell(c.detail)} |"
                for c in self.checks
            ]
            lines.append("")
        lines += ["## Clean-up", ""]
        lines += [f"- created {part}" for part in self.created] or ["- nothing was created"]
        if self.leftover:
            lines += [f"- **NOT deleted** {part}" for part in self.leftover]
            lines.append("- run `pgplat drill cleanup` to remove what is left")
        elif self.created:
            lines.append("- every temporary resource was deleted")
        if self.teardown_error:
            lines.append(f"- clean-up error: {self.teardown_error}")
        return "\n".join(lines) + "\n"

    def _restored_from(self) -> str:
        at = self.recovery_point.isoformat(timespec="seconds")
        if self.snapshot:
            return f"snapshot `{self.snapshot}` taken {at}"
        return f"point in time {at}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not reached"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
