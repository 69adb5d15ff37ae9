"""Per-rule waivers from the configuration: each accepts a finding for a reason until a date.

An expired waiver no longer hides anything and is itself an error, so accepted risks are
looked at again; a waiver that matches nothing is reported so it can be removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from pgplat.policy.findings import Finding

if TYPE_CHECKING:  # a report is read back and rendered without the configuration's model
    from pgplat.config.model import Waiver

EXPIRED = "WAIVER-001"
UNUSED = "WAIVER-002"


@dataclass(frozen=True)
class Waived:
    """A finding accepted by a waiver: the waiver's reason and expiry, as the report shows them."""

    finding: Finding
    reason: str
    expires: date


def covers(waiver: Waiver, finding: Finding) -> bool:
    """Whether ``waiver`` names the finding's rule (a cdk-nag waiver on ``AwsSolutions-IAM5``
    covers each of its ``AwsSolutions-IAM5[…]`` findings) in the finding's environment."""
    rule = finding.rule_id
    named = waiver.rule == rule or rule.startswith(f"{waiver.rule}[")
    return named and waiver.environment in (None, finding.environment)


def apply_waivers(
    findings: list[Finding], waivers: list[Waiver], today: date
) -> tuple[list[Finding], list[Waived]]:
    """The findings that remain (plus waiver problems) and the findings waived."""
    live = [w for w in waivers if w.expires >= today]
    remaining: list[Finding] = [_expired(w, i) for i, w in enumerate(waivers) if w.expires < today]
    waived: list[Waived] = []
    used: set[int] = set()
    for finding in findings:
        waiver = next((w for w in live if covers(w, finding)), None)
        if waiver is None:
            remaining.append(finding)
        else:
            waived.append(Waived(finding, waiver.reason, waiver.expires))
            used.add(id(waiver))
    remaining.extend(
        _unused(w, i) for i, w in enumerate(waivers) if w.expires >= today and id(w) not in used
    )
    return remaining, waived


def _where(waiver: Waiver) -> str:
    return f"{waiver.rule} in {waiver.environment or 'every environment'}"


def _expired(waiver: Waiver, index: int) -> Finding:
    return Finding(
        rule_id=EXPIRED,
        severity="error",
        title="Waiver expired",
        message=f"the waiver for {_where(waiver)} expired on {waiver.expires} "
        f"(reason given: {waiver.reason})",
        environment=waiver.environment,
        fix="Fix the finding, or renew the waiver in check.waivers with a new expires date.",
        layer="waivers",
        config_path=("check", "waivers", index),
    )


def _unused(waiver: Waiver, index: int) -> Finding:
    return Finding(
        rule_id=UNUSED,
        severity="info",
        title="Waiver matches nothing",
        message=f"the waiver for {_where(waiver)} waives no finding",
        environment=waiver.environment,
        fix="Remove it from check.waivers.",
        layer="waivers",
        config_path=("check", "waivers", index),
    )
