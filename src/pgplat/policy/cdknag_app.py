"""cdk-nag as it is designed to run: its packs over the construct tree of the app being
synthesized, once, instead of a second synthesis of the finished templates.

`pgplat check` hands :class:`SynthesisNag` to the synthesis when it has to synthesize; after
each environment's ``app.synth()`` the packs' ``validate_scope`` reports every violation on
the live app, and :func:`pgplat.policy.cdknag.layer_result` judges them against the
acknowledgements as the ``CfnInclude`` child's are. This module imports the CDK: only a
synthesis (or the child) loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import cdk_nag
from constructs import IConstruct

from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly
from pgplat.policy.cdknag import PACKS, Violation

Place = Callable[[str], tuple[str, str]]
"""A violating construct's path, to its stack and logical id."""


def violations_in(scope: IConstruct, packs: Iterable[str], place: Place) -> tuple[Violation, ...]:
    """Every violation the packs find in ``scope``, none acknowledged yet."""
    found: list[Violation] = []
    for name in packs:
        pack = getattr(cdk_nag, PACKS[name])()
        for violation in pack.validate_scope(scope).violations:
            for resource in violation.violating_resources:
                stack, logical_id = place(resource.construct_path or "")
                found.append(
                    Violation(
                        rule=violation.rule_name,
                        description=violation.description,
                        severity=violation.severity or "error",
                        stack=stack,
                        logical_id=logical_id,
                        pack=pack.name,
                    )
                )
    return tuple(found)


class SynthesisNag:
    """The packs over each environment's app as it is synthesized (``inspect`` of
    :func:`pgplat.infra.app.synthesize`); ``violations`` holds what they found."""

    def __init__(self, config: PgplatConfig, packs: Iterable[str]) -> None:
        self.config = config
        self.packs = tuple(packs)
        self.violations: list[Violation] = []

    def __call__(self, app: IConstruct, assembly_dir: Path) -> None:
        """Check ``app``, just synthesized into ``assembly_dir`` (whose manifest names the
        logical id of each construct)."""
        staged = Assembly.load(assembly_dir, self.config)
        places = {
            path.strip("/"): (stack.name, logical_id)
            for stack in staged.stacks
            for path, logical_id in stack.logical_ids().items()
        }
        self.violations.extend(
            violations_in(app, self.packs, lambda path: places.get(path.strip("/"), ("", "")))
        )
