"""The one finding type every policy layer reports, so reports, waivers and exit codes
treat our rules, cdk-nag, cfn-lint, the chain check and the isolation proof alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from pgplat.config.errors import Path, dotted

Severity = Literal["error", "warning", "info"]
Layer = Literal["rules", "chain", "isolation", "cdk-nag", "cfn-lint", "waivers"]
CheckLayer = Literal["rules", "chain", "isolation", "cdk-nag", "cfn-lint"]
CHECK_LAYERS: tuple[CheckLayer, ...] = get_args(CheckLayer)
"""The layers `pgplat check` runs, in order (waiver findings come from the configuration)."""

SEVERITY_RANK: dict[Severity, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, kw_only=True)
class Located:
    """Where a finding or an acknowledgement applies: ``environment`` is ``prod``/``dev`` when
    known; ``stack`` and ``logical_id`` point into the synthesized templates (none of them: the
    whole assembly, or a whole rule)."""

    environment: str | None = None
    stack: str | None = None
    logical_id: str | None = None

    @property
    def place(self) -> str:
        """``stack/logical_id`` as reports print it; empty for the whole assembly."""
        return "/".join(p for p in (self.stack, self.logical_id) if p)


@dataclass(frozen=True)
class Finding(Located):
    """Something a check found wrong, said so that a person can locate and fix it.

    ``rule_id`` is stable (``PGP-001``, ``AwsSolutions-RDS10``, ``E3012``, ``CHAIN-…``,
    ``ISO-…``); waivers name it.
    """

    rule_id: str
    severity: Severity
    title: str
    message: str
    fix: str = ""
    layer: Layer = "rules"
    config_path: Path = ()
    """The configuration field at fault (``check.waivers[0]``), when the finding is about the
    configuration file itself rather than a resource it produced."""

    def at_least(self, threshold: Severity) -> bool:
        """Whether this finding is as severe as ``threshold`` or more."""
        return SEVERITY_RANK[self.severity] >= SEVERITY_RANK[threshold]

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "config_path": dotted(self.config_path) if self.config_path else None,
        }

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> Finding:
        """A finding kept as ``asdict`` wrote it to JSON; KeyError, TypeError or ValueError
        for anything else (a cache is never trusted over computing the finding again)."""
        if stored["severity"] not in SEVERITY_RANK:
            raise ValueError(f"no severity: {stored['severity']!r}")
        return cls(**{**stored, "config_path": tuple(stored["config_path"])})
