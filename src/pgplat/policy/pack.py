"""Run our rule pack over every resource of every stack of an assembly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly
from pgplat.policy.findings import Finding
from pgplat.policy.rules import RULES
from pgplat.policy.rules.base import Compliance, Context, Rule


def run_rules(
    assembly: Assembly, config: PgplatConfig, today: date, rules: tuple[Rule, ...] = RULES
) -> list[Finding]:
    return list(_findings(assembly, config, today, rules))


def _findings(
    assembly: Assembly, config: PgplatConfig, today: date, rules: tuple[Rule, ...]
) -> Iterator[Finding]:
    for stack in assembly.stacks:
        context = Context(config, stack.environment, stack, assembly, today)
        for resource in stack.resources:
            for rule in rules:
                if not rule.applies_to(resource.type):
                    continue
                answer = rule.check(resource, context)
                if answer.compliance is Compliance.NON_COMPLIANT:
                    yield Finding(
                        rule_id=rule.id,
                        severity=answer.severity or rule.severity,
                        title=rule.name,
                        message=f"{answer.detail}. {rule.rationale}",
                        environment=stack.environment,
                        stack=stack.name,
                        logical_id=resource.logical_id,
                        fix=rule.fix,
                        layer="rules",
                    )
