"""The outcome of `pgplat check`: findings that remain, findings waived, acknowledgements in
force, and whether the gate passes at the configured threshold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pgplat.policy.findings import SEVERITY_RANK, Finding, Located, Severity
from pgplat.policy.waivers import Waived


@dataclass(frozen=True)
class Acknowledged(Located):
    """A finding accepted in code, where, and why."""

    rule_id: str
    reason: str
    layer: str


LayerResult = tuple[list[Finding], list[Acknowledged]]
"""What one layer of `pgplat check` reports: its findings, and the acknowledgements in force."""


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    waived: tuple[Waived, ...]
    acknowledged: tuple[Acknowledged, ...]
    fail_on: Severity
    layers: tuple[str, ...]
    templates: Mapping[str, Path] = field(default_factory=dict)
    """Template file of each stack, so renderers can point into it."""

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.at_least(self.fail_on)]

    @property
    def passed(self) -> bool:
        return not self.failing

    def ordered(self) -> list[Finding]:
        """Most severe first, then by environment, layer, rule and place."""
        return sorted(
            self.findings,
            key=lambda f: (
                -SEVERITY_RANK[f.severity],
                f.environment or "",
                f.layer,
                f.rule_id,
                f.stack or "",
                f.logical_id or "",
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """Machine output (``--output json``)."""
        return {
            "passed": self.passed,
            "fail_on": self.fail_on,
            "layers": list(self.layers),
            "findings": [f.to_dict() for f in self.ordered()],
            "waived": [
                {
                    **w.finding.to_dict(),
                    "waiver_reason": w.waiver.reason,
                    "waiver_expires": w.waiver.expires.isoformat(),
                }
                for w in self.waived
            ],
            "acknowledged": [asdict(a) for a in self.acknowledged],
        }
