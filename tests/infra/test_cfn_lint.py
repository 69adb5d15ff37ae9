"""Every synthesized template passes cfn-lint, except rules in the committed ignore list.

cfn-lint takes seconds per template, so verdicts are kept in the pytest cache keyed by
everything they depend on (template text, region, cfn-lint version, ignore list): a rerun
with unchanged templates does not lint them again.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

import pytest

from pgplat.infra.app import Synthesis
from pgplat.policy.lint import IGNORE_FILE, ignored_rules, lint_template

EXAMPLES = ["innovate_synth", "northwind_synth"]
VARIANTS = ["multi_az_cluster_synth", "serverless_synth"]


def lint_findings(stack: str, template: Path, region: str, cache: pytest.Cache) -> list[str]:
    """cfn-lint's findings on one template file, from the cache when nothing they depend on
    changed."""
    inputs = [
        template.read_bytes(),
        region.encode(),
        version("cfn-lint").encode(),
        IGNORE_FILE.read_bytes(),
    ]
    key = "pgplat/cfn-lint/" + hashlib.sha256(b"\0".join(inputs)).hexdigest()
    cached = cache.get(key, None)
    if cached is None:
        cached = [str(f) for f in lint_template(stack, template, region)]
        cache.set(key, cached)
    return list(cached)


@pytest.mark.parametrize("fixture", EXAMPLES + VARIANTS)
def test_templates_are_lint_clean(fixture: str, request: pytest.FixtureRequest) -> None:
    synthesis: Synthesis = request.getfixturevalue(fixture)
    # The variants differ from the examples in their data stack, and the multi-AZ one in its
    # app stack too (its EKS clusters).
    linted = ("-data", "-app") if fixture == "multi_az_cluster_synth" else ("-data",)
    stacks = [s for s in synthesis.stacks if fixture in EXAMPLES or s.endswith(linted)]
    findings = [
        f
        for stack in stacks
        for info in [synthesis.stacks[stack]]
        for f in lint_findings(stack, info.template_path, info.region, request.config.cache)
    ]
    assert findings == [], "\n".join(findings)


def test_every_ignored_rule_is_explained() -> None:
    rules = ignored_rules()
    assert rules
    text = IGNORE_FILE.read_text()
    for rule, reason in rules.items():
        assert len(reason) > 20, rule
        comment = text[text.index(f"rule: {rule}") :].split("reason:")[0]
        assert comment.count("#") >= 2, f"{rule} needs a comment saying why"
