"""The drill's figures, computed from the probe's log alone (so anyone can recompute them).

Unavailability is the longest stretch without an acknowledgement that ends after the
failover was triggered: it includes the probe's own pacing (one interval at most), and the
stretch still open when the probe stopped counts up to that moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from pgplat.drills.failover.probe import Event
from pgplat.drills.report import rounded


@dataclass(frozen=True)
class Figures:
    detection_seconds: float | None
    """Trigger to the first failover signal or error the application's side saw."""
    write_unavailable_seconds: float
    read_unavailable_seconds: float
    writes_acknowledged: int
    reads: int
    errors: int
    """Exceptions that reached the probe (the application), not retried away by the client."""
    failover_signals: int
    """Failover signals the client handled (`pgplat.client.metrics.failovers`)."""
    retries: int
    recovered: bool
    """A write was acknowledged after the last failover signal or error."""

    def as_dict(self) -> dict[str, float | int | bool | None]:
        return {
            "detection_seconds": rounded(self.detection_seconds),
            "write_unavailable_seconds": rounded(self.write_unavailable_seconds),
            "read_unavailable_seconds": rounded(self.read_unavailable_seconds),
            "writes_acknowledged": self.writes_acknowledged,
            "reads": self.reads,
            "errors": self.errors,
            "failover_signals": self.failover_signals,
            "retries": self.retries,
            "recovered": self.recovered,
        }


def compute(events: Sequence[Event], triggered_at: float, ended_at: float) -> Figures:
    """The figures of a drill whose failover was triggered ``triggered_at`` seconds into the
    probe's log, which ran until ``ended_at``."""
    troubles = [e.at for e in events if e.kind in ("signal", "error") and e.at >= triggered_at]
    writes = [e.at for e in events if e.kind == "write"]
    return Figures(
        detection_seconds=troubles[0] - triggered_at if troubles else None,
        write_unavailable_seconds=longest_gap(writes, triggered_at, ended_at),
        read_unavailable_seconds=longest_gap(
            [e.at for e in events if e.kind == "read"], triggered_at, ended_at
        ),
        writes_acknowledged=len(writes),
        reads=sum(1 for e in events if e.kind == "read"),
        errors=sum(1 for e in events if e.kind == "error"),
        failover_signals=sum(e.failovers for e in events if e.kind == "signal"),
        retries=sum(e.retries for e in events if e.kind == "signal"),
        recovered=bool(writes) and (not troubles or writes[-1] > troubles[-1]),
    )


def longest_gap(acknowledged: Sequence[float], triggered_at: float, ended_at: float) -> float:
    """The longest time between consecutive acknowledgements (or the last one and the end)
    among the gaps that end after the trigger."""
    if not acknowledged:
        return ended_at - triggered_at
    ends = [*acknowledged, ended_at]
    return max((b - a for a, b in pairwise(ends) if b > triggered_at), default=0.0)
