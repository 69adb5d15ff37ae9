"""PGP-035 on innovate's real assembly (a monthly rule, a copy to us-west-2, both vaults
locked 7-3650 days): a retention outside a locked vault's bounds, in a rule or in its copy,
fails the gate; the shipped templates pass."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly
from pgplat.policy.pack import run_rules
from pgplat.policy.rules import RULES
from tests.fixtures.policy import with_templates
from tests.policy.templates import TODAY

PGP_035 = tuple(rule for rule in RULES if rule.id == "PGP-035")
DATA = "innovate-prod-data"


def _messages(assembly: Assembly, config: PgplatConfig) -> list[str]:
    return [f.message for f in run_rules(assembly, config, TODAY, PGP_035)]


def _plan_rules(templates: dict[str, Any]) -> list[dict[str, Any]]:
    resources = templates[DATA]["Resources"]
    [plan] = [r for r in resources.values() if r["Type"] == "AWS::Backup::BackupPlan"]
    rules: list[dict[str, Any]] = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    return rules


def _edited(assembly: Assembly, edit: Any) -> Assembly:
    templates = {s.name: copy.deepcopy(s.template) for s in assembly.stacks}
    edit(_plan_rules(templates))
    return with_templates(assembly, templates)


def test_the_shipped_plan_fits_its_locks(
    innovate_assembly: Assembly, innovate: PgplatConfig
) -> None:
    assert _messages(innovate_assembly, innovate) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda rules: rules[1].update(Lifecycle={"DeleteAfterDays": 4000}),
            "rule Monthly keeps recovery points 4000 days, above the lock's maximum of 3650 "
            "(vault innovate-prod)",
        ),
        (
            lambda rules: rules[0].pop("Lifecycle"),
            "rule Daily keeps recovery points forever, above the lock's 3650 days",
        ),
        (
            lambda rules: rules[0]["CopyActions"][0].update(Lifecycle={"DeleteAfterDays": 3}),
            "rule Daily's copy keeps recovery points 3 days, below the lock's minimum of 7 "
            "(vault innovate-prod-copy)",
        ),
    ],
    ids=["rule above the maximum", "rule kept forever", "copy below the minimum"],
)
def test_a_retention_outside_the_lock_fails(
    innovate_assembly: Assembly, innovate: PgplatConfig, edit: Any, expected: str
) -> None:
    [message] = _messages(_edited(innovate_assembly, edit), innovate)
    assert expected in message
