"""cfn-lint over synthesized templates, minus the committed, explained ignore list.

``cfn_lint_ignores.yaml`` beside this module lists the rules pgplat does not enforce and why;
every other error or warning is a finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from pgplat.infra.app import Synthesis

IGNORE_FILE = Path(__file__).with_name("cfn_lint_ignores.yaml")


@dataclass(frozen=True)
class LintFinding:
    stack: str
    rule: str
    message: str
    line: int

    def __str__(self) -> str:
        return f"{self.stack}:{self.line}: {self.rule} {self.message}"


def ignored_rules() -> dict[str, str]:
    """Rule id -> reason, from the committed ignore list."""
    entries = yaml.safe_load(IGNORE_FILE.read_text())
    return {entry["rule"]: entry["reason"] for entry in entries}


def lint_template(stack: str, template: Path, region: str) -> list[LintFinding]:
    """Findings in one template, linted for the region it deploys to."""
    from cfnlint.api import ManualArgs, lint_file

    config = ManualArgs(regions=[region], ignore_checks=sorted(ignored_rules()))
    return [
        LintFinding(stack, match.rule.id, match.message, match.linenumber)
        for match in lint_file(template, config=config)
    ]


def lint_synthesis(synthesis: Synthesis) -> list[LintFinding]:
    """Findings across every stack of a synthesis."""
    return [
        finding
        for info in synthesis.stacks.values()
        for finding in lint_template(info.name, info.template_path, info.region)
    ]
