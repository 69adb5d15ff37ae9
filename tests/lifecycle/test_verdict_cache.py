"""`pgplat up` reuses the gate's verdict only for the very templates it judged, under the
same rule pack, linters, waivers and day."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from pgplat.config.model import PgplatConfig, Waiver
from pgplat.infra.app import Synthesis
from pgplat.lifecycle.up import judged
from pgplat.policy.assembly import Assembly
from pgplat.policy.gate import verdict_key
from tests.fixtures.synth import copied_synthesis

TODAY = date(2026, 12, 1)


@pytest.fixture
def copied(northwind_synth: Synthesis, tmp_path: Path) -> Synthesis:
    """The northwind synthesis in a folder of this test's own, as a later run reuses it."""
    return copied_synthesis(northwind_synth, tmp_path)


def _public_bucket(template_path: Path) -> None:
    """What an interrupted run with another configuration could have left: a new resource."""
    template = json.loads(template_path.read_text())
    template["Resources"]["Leftover"] = {
        "Type": "AWS::S3::Bucket",
        "Properties": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": False}},
    }
    template_path.write_text(json.dumps(template))


@pytest.mark.slow
def test_a_verdict_is_not_reused_for_templates_changed_since(
    northwind: PgplatConfig, copied: Synthesis
) -> None:
    first = judged(northwind, copied, copied.outdir)
    assert not first.cached
    again = judged(northwind, copied, copied.outdir)
    assert again.cached
    assert again.by_layer == first.by_layer
    _public_bucket(copied.stacks["northwind-prod-data"].template_path)
    after = judged(northwind, copied, copied.outdir)
    assert not after.cached
    assert after.by_layer != first.by_layer


def test_the_key_covers_templates_waivers_and_the_day(
    northwind: PgplatConfig, copied: Synthesis
) -> None:
    assembly = Assembly.of_synthesis(copied, northwind)
    key = verdict_key(assembly, northwind, TODAY)
    assert verdict_key(assembly, northwind, TODAY) == key
    assert verdict_key(assembly, northwind, TODAY + timedelta(days=1)) != key
    waiver = Waiver(
        rule="PGP-012", reason="accepted for this test", expires=TODAY + timedelta(days=9)
    )
    check = northwind.check.model_copy(update={"waivers": [waiver]})
    waived = northwind.model_copy(update={"check": check})
    assert verdict_key(assembly, waived, TODAY) != key
    for stack in copied.stacks.values():
        path = stack.template_path
        original = path.read_bytes()
        path.write_bytes(original + b" ")
        assert verdict_key(Assembly.of_synthesis(copied, northwind), northwind, TODAY) != key
        path.write_bytes(original)
