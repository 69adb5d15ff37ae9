"""cfn-lint on every template: the CloudFormation resource specification, valid engine
versions and instance classes, and template-level mistakes no rule of ours looks for.

``cfn_lint_ignores.yaml`` beside this module lists the rules pgplat deliberately does not
enforce, each with its reason; every other error or warning is a finding. `pgplat synth
--lint` prints the findings; `pgplat check` reports them as its cfn-lint layer, and the
ignored rules as acknowledgements.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from cfnlint.api import ManualArgs, lint_file
from cfnlint.rules import Match

from pgplat.policy.assembly import Assembly, Stack
from pgplat.policy.findings import Finding, Severity
from pgplat.policy.report import Acknowledged, LayerResult

IGNORE_FILE = Path(__file__).with_name("cfn_lint_ignores.yaml")
_SEVERITY: dict[str, Severity] = {"error": "error", "warning": "warning"}


@dataclass(frozen=True)
class LintFinding:
    """One cfn-lint match in one stack's template."""

    stack: str
    match: Match

    def __str__(self) -> str:
        return f"{self.stack}:{self.match.linenumber}: {self.match.rule.id} {self.match.message}"


def ignored_rules() -> dict[str, str]:
    """Rule id -> reason, from the committed ignore list."""
    entries = yaml.safe_load(IGNORE_FILE.read_text())
    return {entry["rule"]: entry["reason"] for entry in entries}


def lint_template(stack: str, template: Path, region: str) -> list[LintFinding]:
    """Findings in one template, linted for the region it deploys to."""
    config = ManualArgs(regions=[region], ignore_checks=sorted(ignored_rules()))
    return [LintFinding(stack, match) for match in lint_file(template, config=config)]


def lint_stacks(assembly: Assembly, default_region: str) -> list[LintFinding]:
    """Findings across every stack (``default_region`` where the assembly names none)."""
    return [
        finding
        for stack in assembly.stacks
        for finding in lint_template(
            stack.name, stack.template_path, stack.region or default_region
        )
    ]


def lint_assembly(assembly: Assembly, default_region: str) -> LayerResult:
    """The cfn-lint layer of `pgplat check`: findings, and the ignored rules with their reasons."""
    stacks = {s.name: s for s in assembly.stacks}
    findings = [_finding(f, stacks[f.stack]) for f in lint_stacks(assembly, default_region)]
    acknowledged = [
        Acknowledged(rule, reason, "cfn-lint") for rule, reason in ignored_rules().items()
    ]
    return findings, acknowledged


def _finding(lint: LintFinding, stack: Stack) -> Finding:
    match = lint.match
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
