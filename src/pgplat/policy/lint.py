"""cfn-lint on every template: the CloudFormation resource specification, valid engine
versions and instance classes, and template-level mistakes no rule of ours looks for.

The rules pgplat deliberately does not enforce are the committed, explained ignore list of
the infrastructure (``pgplat.infra.lint``); they are reported as acknowledgements.
"""

from __future__ import annotations

from collections.abc import Iterator

from cfnlint.api import ManualArgs, lint_file
from cfnlint.rules import Match

from pgplat.infra.lint import ignored_rules
from pgplat.policy.assembly import Assembly, Stack
from pgplat.policy.findings import Finding, Severity
from pgplat.policy.report import Acknowledged

_SEVERITY: dict[str, Severity] = {"error": "error", "warning": "warning"}


def lint_assembly(
    assembly: Assembly, default_region: str
) -> tuple[list[Finding], list[Acknowledged]]:
    ignored = ignored_rules()
    findings = [
        finding
        for stack in assembly.stacks
        for finding in _lint_stack(stack, default_region, sorted(ignored))
    ]
    acknowledged = [Acknowledged(rule, reason, "cfn-lint") for rule, reason in ignored.items()]
    return findings, acknowledged


def _lint_stack(stack: Stack, default_region: str, ignored: list[str]) -> Iterator[Finding]:
    config = ManualArgs(regions=[stack.region or default_region], ignore_checks=ignored)
    for match in lint_file(stack.template_path, config=config):
        yield _finding(match, stack)


def _finding(match: Match, stack: Stack) -> Finding:
    path = list(match.path or [])
    logical_id = str(path[1]) if len(path) > 1 and path[0] == "Resources" else None
    where = "/".join(str(p) for p in path[2:])
    return Finding(
        rule_id=match.rule.id,
        severity=_SEVERITY.get(match.rule.severity, "info"),
        title=match.rule.shortdesc,
        message=f"{match.message} (at {where or 'template'}, line {match.linenumber})",
        environment=stack.environment,
        stack=stack.name,
        logical_id=logical_id,
        fix=f"See {match.rule.source_url}" if match.rule.source_url else "",
        layer="cfn-lint",
    )
