"""Waivers accept a finding for a reason until a date; expired ones are errors themselves."""

from __future__ import annotations

from datetime import date

from pgplat.config.model import Waiver
from pgplat.policy.findings import Finding
from pgplat.policy.waivers import EXPIRED, UNUSED, apply_waivers

TODAY = date(2026, 11, 25)


def finding(rule_id: str, environment: str = "prod") -> Finding:
    return Finding(
        rule_id,
        "error",
        "title",
        "message",
        environment=environment,
        stack="stack",
        logical_id="Logical",
    )


def waiver(rule: str, expires: date = date(2027, 1, 1), environment: str | None = None) -> Waiver:
    return Waiver(
        rule=rule, environment=environment, reason="accepted until the migration", expires=expires
    )


def test_a_live_waiver_accepts_its_rule_only() -> None:
    remaining, waived = apply_waivers(
        [finding("PGP-026"), finding("PGP-001")], [waiver("PGP-026")], TODAY
    )
    assert [f.rule_id for f in remaining] == ["PGP-001"]
    assert [w.finding.rule_id for w in waived] == ["PGP-026"]


def test_a_cdk_nag_rule_waiver_covers_each_of_its_findings() -> None:
    findings = [
        finding("AwsSolutions-IAM5[Resource::*]"),
        finding("AwsSolutions-IAM5[Action::s3:*]"),
        finding("AwsSolutions-IAM51"),
    ]
    remaining, waived = apply_waivers(findings, [waiver("AwsSolutions-IAM5")], TODAY)
    assert len(waived) == 2
    assert [f.rule_id for f in remaining] == ["AwsSolutions-IAM51"]


def test_an_environment_waiver_stays_in_its_environment() -> None:
    remaining, waived = apply_waivers(
        [finding("PGP-015", "dev"), finding("PGP-015", "prod")],
        [waiver("PGP-015", environment="dev")],
        TODAY,
    )
    assert [(f.rule_id, f.environment) for f in remaining] == [("PGP-015", "prod")]
    assert [w.finding.environment for w in waived] == ["dev"]


def test_an_expired_waiver_waives_nothing_and_is_an_error() -> None:
    remaining, waived = apply_waivers(
        [finding("PGP-026")], [waiver("PGP-026", expires=date(2026, 11, 24))], TODAY
    )
    assert waived == []
    expired = [f for f in remaining if f.rule_id == EXPIRED]
    assert len(expired) == 1
    assert expired[0].severity == "error"
    assert "expired on 2026-11-24" in expired[0].message
    assert {f.rule_id for f in remaining} == {EXPIRED, "PGP-026"}


def test_a_waiver_is_valid_through_its_expiry_day() -> None:
    remaining, waived = apply_waivers([finding("PGP-026")], [waiver("PGP-026", TODAY)], TODAY)
    assert remaining == []
    assert len(waived) == 1


def test_an_unused_waiver_is_reported_for_removal() -> None:
    remaining, _ = apply_waivers([], [waiver("PGP-001")], TODAY)
    assert [(f.rule_id, f.severity) for f in remaining] == [(UNUSED, "info")]
