"""The outcome of `pgplat check`: findings that remain, findings waived, acknowledgements in
force, and whether the gate passes at the configured threshold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
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


def stored_layer(result: LayerResult) -> dict[str, Any]:
    """A layer's result as JSON, for a cache (:func:`layer_from_stored` reads it back)."""
    findings, acknowledged = result
    return {
        "findings": [asdict(f) for f in findings],
        "acknowledged": [asdict(a) for a in acknowledged],
    }


def layer_from_stored(stored: Mapping[str, Any]) -> LayerResult:
    """What :func:`stored_layer` wrote; KeyError, TypeError or ValueError for anything else."""
    return (
        [Finding.from_stored(f) for f in stored["findings"]],
        [Acknowledged(**a) for a in stored["acknowledged"]],
    )


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
                    "waiver_reason": w.reason,
                    "waiver_expires": w.expires.isoformat(),
                }
                for w in self.waived
            ],
            "acknowledged": [asdict(a) for a in self.acknowledged],
        }

    def stored(self) -> dict[str, Any]:
        """Everything the report holds, as JSON, for a cache (:meth:`from_stored` reads it)."""
        return {
            **stored_layer((list(self.findings), list(self.acknowledged))),
            "waived": [
                {"finding": asdict(w.finding), "reason": w.reason, "expires": str(w.expires)}
                for w in self.waived
            ],
            "fail_on": self.fail_on,
            "layers": list(self.layers),
            "templates": {name: str(path) for name, path in self.templates.items()},
        }

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> Report:
        """What :meth:`stored` wrote; KeyError, TypeError or ValueError for anything else."""
        findings, acknowledged = layer_from_stored(stored)
        if stored["fail_on"] not in SEVERITY_RANK:
            raise ValueError(f"no severity: {stored['fail_on']!r}")
        waived = (
            Waived(Finding.from_stored(w["finding"]), w["reason"], date.fromisoformat(w["expires"]))
            for w in stored["waived"]
        )
        return cls(
            findings=tuple(findings),
            waived=tuple(waived),
            acknowledged=tuple(acknowledged),
            fail_on=stored["fail_on"],
            layers=tuple(stored["layers"]),
            templates={name: Path(path) for name, path in stored["templates"].items()},
        )
