"""cfn-lint over the templates that carry the access layer, with the committed ignore list."""

from __future__ import annotations

import pytest

from pgplat.infra.app import Synthesis
from pgplat.policy.lint import lint_template

STACKS = [
    ("innovate", "innovate-prod-app"),
    ("innovate", "innovate-prod-data"),
    ("innovate", "innovate-dev-app"),
    ("northwind", "northwind-prod-app"),
    ("northwind", "northwind-prod-data"),
]


@pytest.mark.parametrize(("example", "stack"), STACKS)
def test_template_is_cfn_lint_clean(
    request: pytest.FixtureRequest, example: str, stack: str
) -> None:
    synthesis: Synthesis = request.getfixturevalue(f"{example}_synth")
    info = synthesis.stacks[stack]
    assert [str(f) for f in lint_template(stack, info.template_path, info.region)] == []
