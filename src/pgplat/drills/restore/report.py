"""The drill report: what was restored, how long it took, what the checks said, what was removed.

Written twice from one record: JSON for machines and Markdown for the people who sign off on
the recovery objectives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pgplat.drills.restore.validation import CheckResult

Outcome = Literal["passed", "failed", "error", "timeout", "interrupted"]

_VERDICT: dict[Outcome, str] = {
    "passed": "PASSED: the backup restored and every check passed",
    "failed": "FAILED: the backup restored but checks failed",
    "error": "ERROR: the drill could not complete",
    "timeout": "TIMEOUT: the copy was not usable before the deadline",
    "interrupted": "INTERRUPTED: stopped by the operator",
}


@dataclass
class DrillReport:
    drill_id: str
    environment: str
    source: str
    shape: str
    restore_from: str
    requested_at: datetime
    recovery_point: datetime
    snapshot: str | None = None
    usable_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: Outcome = "error"
    message: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)
    teardown_error: str | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == "passed" and not self.leftover

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

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, sort_keys=True) + "\n"

    def to_markdown(self) -> str:
        lines = [
            f"# Restore drill {self.drill_id}",
            "",
            f"**{_VERDICT[self.outcome]}**" + (f": {self.message}" if self.message else ""),
            "",
            "| | |",
            "|---|---|",
            f"| environment | {self.environment} |",
            f"| source | {self.shape} `{self.source}` |",
            f"| restored from | {self._restored_from()} |",
            f"| requested | {self.requested_at.isoformat(timespec='seconds')} |",
            f"| recovery time | {_duration(self.recovery_time_seconds)} |",
            f"| recovery point | {_duration(self.recovery_point_seconds)} of data at risk |",
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

    def write(self, directory: Path) -> tuple[Path, Path]:
        """Write ``<drill id>.json`` and ``<drill id>.md`` into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        as_json = directory / f"{self.drill_id}.json"
        as_markdown = directory / f"{self.drill_id}.md"
        as_json.write_text(self.to_json())
        as_markdown.write_text(self.to_markdown())
        return as_json, as_markdown


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not reached"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
