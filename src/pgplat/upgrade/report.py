"""The upgrade's report: the switchover as the application felt it, and what it took to get
there (copy, initial sync, replication lag, catch-up), the data prerequisites that failed and
whether green holds what blue held. JSON and Markdown, the probe's log beside them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

from pgplat.drills.failover.report import FailoverReport
from pgplat.drills.report import DrillReport, rounded, seconds_text
from pgplat.upgrade.findings import Prerequisite
from pgplat.validator.metrics import Measure
from pgplat.validator.suite import SuiteResult

UpgradeOutcome = Literal["passed", "failed", "error", "interrupted"]

NAMESPACE = "pgplat/Upgrades"


@dataclass
class UpgradeReport(DrillReport):
    kind: ClassVar[str] = "upgrade"
    namespace: ClassVar[str] = NAMESPACE
    verdicts: ClassVar[Mapping[str, str]] = {
        "passed": "PASSED: green holds every row and every acknowledged write, and the "
        "application moved to it",
        "failed": "FAILED: a prerequisite failed on the data, green differs from blue, or the "
        "application lost writes or saw errors",
    }
    outcome: UpgradeOutcome = field(default="error", kw_only=True)
    source: str
    """Blue's PostgreSQL version."""
    target: str
    """Green's PostgreSQL version."""
    started_at: datetime
    copy_seconds: float | None = None
    """Time to make blue (a copy of the data) ready to publish."""
    schema_seconds: float | None = None
    """Time to copy the schema to green."""
    sync_seconds: float | None = None
    """Time for green's initial copy of every table (logical replication's table sync)."""
    lag_bytes: int | None = None
    """How far green trailed blue when the switchover began."""
    catch_up_seconds: float | None = None
    """From blue refusing writes to green having applied all of blue's WAL."""
    sequences_copied: int = 0
    prerequisites: list[Prerequisite] = field(default_factory=list)
    """The data prerequisites, read from blue before it published."""
    differences: list[str] = field(default_factory=list)
    """Tables whose rows differ between blue and green after the switchover."""
    suite: SuiteResult | None = None
    """The configured restore-test validation suite, run on green."""
    suite_on_blue: SuiteResult | None = None
    """The same suite on blue: a check failing there too is the data's, not the upgrade's."""
    switchover: FailoverReport | None = None
    kept: bool = False
    """Green was kept as the local twin (`upgrade rehearse --keep`)."""

    @property
    def regressions(self) -> list[str]:
        """Validation checks that hold on blue and fail on green."""
        if self.suite is None or self.suite_on_blue is None:
            return []
        held = {(c.kind, c.name) for c in self.suite_on_blue.checks if c.passed}
        return [
            f"{c.kind} {c.name}: {c.detail}"
            for c in self.suite.failures
            if (c.kind, c.name) in held
        ]

    @property
    def failed_prerequisites(self) -> list[Prerequisite]:
        return [p for p in self.prerequisites if p.status == "blocker"]

    def judge(self) -> None:
        """Narrow a finished rehearsal's outcome from what it measured."""
        if self.outcome != "passed":
            return
        switched = self.switchover is not None and self.switchover.passed
        if not switched or self.failed_prerequisites or self.differences or self.regressions:
            self.outcome = "failed"

    def as_dict(self) -> dict[str, Any]:
        s = self.switchover
        return {
            "drill_id": self.drill_id,
            "environment": self.environment,
            "source": self.source,
            "target": self.target,
            "started_at": self.started_at.isoformat(),
            "outcome": self.outcome,
            "passed": self.passed,
            "message": self.message,
            "copy_seconds": rounded(self.copy_seconds),
            "schema_seconds": rounded(self.schema_seconds),
            "sync_seconds": rounded(self.sync_seconds),
            "lag_bytes_at_switchover": self.lag_bytes,
            "catch_up_seconds": rounded(self.catch_up_seconds),
            "sequences_copied": self.sequences_copied,
            "prerequisites": [p.as_dict() for p in self.prerequisites],
            "differences": self.differences,
            "validation": [c.as_dict() for c in self.suite.checks] if self.suite else None,
            "validation_regressions": self.regressions,
            "switchover": s.as_dict() if s else None,
            "kept_as_twin": self.kept,
        }

    def to_markdown(self) -> str:
        facts = {
            "environment": self.environment,
            "upgrade": f"PostgreSQL {self.source} -> {self.target}",
            "started": self.started_at.isoformat(timespec="seconds"),
            "copy to blue": seconds_text(self.copy_seconds),
            "schema to green": seconds_text(self.schema_seconds),
            "initial sync": seconds_text(self.sync_seconds),
            "replication lag at switchover": f"{self.lag_bytes} bytes"
            if self.lag_bytes is not None
            else "not measured",
            "catch-up after blue stopped writes": seconds_text(self.catch_up_seconds),
            "sequences carried over": str(self.sequences_copied),
            "failed prerequisites": str(len(self.failed_prerequisites)),
            "tables differing": str(len(self.differences)),
            "validation checks broken by the upgrade": str(len(self.regressions)),
            "green kept as the local twin": "yes" if self.kept else "no",
        }
        f = self.switchover.figures if self.switchover else None
        if f is not None and self.switchover is not None:
            facts |= {
                "writes unavailable": seconds_text(f.write_unavailable_seconds),
                "reads unavailable": seconds_text(f.read_unavailable_seconds),
                "errors reaching the application": str(f.errors),
                "acknowledged writes lost": str(len(self.switchover.lost_writes)),
            }
        lines = self._heading(f"Upgrade rehearsal {self.drill_id}", facts)
        for p in self.failed_prerequisites:
            lines += ["", f"- **{p.check}**: {p.detail}; {p.fix}"]
        lines += [f"- differs: {d}" for d in self.differences]
        lines += [f"- broken by the upgrade: {r}" for r in self.regressions]
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> tuple[Path, ...]:
        written = super().write(directory)
        if self.switchover is None:
            return written
        probe_log = directory / f"{self.drill_id}.probe.jsonl"
        self.switchover.log.write(probe_log)
        return (*written, probe_log)

    def measured_at(self) -> datetime:
        return self.started_at

    def measures(self) -> dict[str, Measure]:
        values: dict[str, Measure] = {
            "UpgradeSucceeded": (1.0 if self.passed else 0.0, "Count"),
            "SyncSeconds": (self.sync_seconds, "Seconds"),
            "CatchUpSeconds": (self.catch_up_seconds, "Seconds"),
        }
        if self.switchover is not None:
            values |= {
                k: v
                for k, v in self.switchover.measures().items()
                if k in ("LostWrites", "WriteUnavailableSeconds", "ErrorsSurfaced")
            }
        return values
