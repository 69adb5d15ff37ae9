"""cdk-nag over the app while it synthesizes (what `pgplat check` does when it synthesizes)
finds what the ``CfnInclude`` child finds in the finished templates (what it does for any
other assembly): the same findings, waivers and acknowledgements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pgplat.config.loader import load_config
from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis, synthesize
from pgplat.policy.assembly import Assembly
from pgplat.policy.cache import ResultCache
from pgplat.policy.cdknag import DEFAULT_PACKS, layer_result, nag_assembly
from pgplat.policy.cdknag_app import SynthesisNag
from pgplat.policy.gate import run_check
from tests.fixtures.examples import EXAMPLES
from tests.fixtures.policy import CheckRun


def _nag_part(report: dict[str, Any]) -> dict[str, Any]:
    return {
        kind: [entry for entry in report[kind] if entry["layer"] == "cdk-nag"]
        for kind in ("findings", "waived", "acknowledged")
    }


def test_the_packs_over_the_app_find_what_the_child_finds_in_the_templates(
    northwind: PgplatConfig,
    northwind_synth: Synthesis,
    northwind_nag: SynthesisNag,
    northwind_check: CheckRun,
) -> None:
    """Northwind's session synthesis was checked while it ran; the session's
    ``--from-cdk-out`` check ran the child over its templates."""
    assert northwind_nag.violations, "the packs report; the acknowledgements decide"
    assembly = Assembly.of_synthesis(northwind_synth, northwind)
    known = {"cdk-nag": layer_result(assembly, northwind_nag.violations)}
    report = run_check(
        northwind, assembly, layers=("cdk-nag",), cache=ResultCache(None), known=known
    )
    assert report.acknowledged
    assert _nag_part(report.to_dict()) == _nag_part(northwind_check.report)


@pytest.mark.fuzz
@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_fuzz_every_example_in_synthesis_and_in_the_child_alike(
    example: Path, tmp_path: Path
) -> None:
    config = load_config(example)
    nag = SynthesisNag(config, DEFAULT_PACKS)
    assembly = Assembly.of_synthesis(synthesize(config, tmp_path, inspect=nag), config)
    in_synthesis = layer_result(assembly, nag.violations)
    in_child = nag_assembly(assembly, DEFAULT_PACKS)
    assert sorted(map(repr, in_synthesis[0])) == sorted(map(repr, in_child[0]))
    assert in_synthesis[1] == in_child[1]
