"""The check's cache: a reused result is the result a cold run computes, and any change to
what a layer reads (a template, its metadata, the configuration, a pack, a rule's or a
linter's version, the day) misses, while waivers apply afresh to cached findings."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgplat.config.model import PgplatConfig, Waiver
from pgplat.infra.app import Synthesis
from pgplat.policy.assembly import Assembly
from pgplat.policy.cache import CACHE_FILE, LIMIT, ResultCache, versions
from pgplat.policy.findings import CheckLayer
from pgplat.policy.gate import Inputs, layer_key, run_check
from pgplat.policy.lint import lint_stacks, template_key
from tests.fixtures.examples import INNOVATE
from tests.fixtures.policy import CheckRun
from tests.fixtures.synth import copied_synthesis

TODAY = date(2026, 12, 1)
CHEAP: tuple[CheckLayer, ...] = ("rules", "chain", "isolation")
"""Layers that run in milliseconds, for the tests that run layers repeatedly."""


@pytest.fixture
def copied(northwind_synth: Synthesis, tmp_path: Path) -> Synthesis:
    """The northwind synthesis in a folder of this test's own, free to tamper with."""
    return copied_synthesis(northwind_synth, tmp_path)


def _public_bucket(template_path: Path, name: str = "Leftover") -> None:
    template = json.loads(template_path.read_text())
    template["Resources"][name] = {
        "Type": "AWS::S3::Bucket",
        "Properties": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": False}},
    }
    template_path.write_text(json.dumps(template))


def _check(
    config: PgplatConfig, synthesis: Synthesis, cache: ResultCache | None, **kwargs: Any
) -> dict[str, Any]:
    assembly = Assembly.of_synthesis(synthesis, config)
    report = run_check(config, assembly, layers=CHEAP, today=TODAY, cache=cache, **kwargs)
    return report.to_dict()


def test_the_cached_report_of_every_layer_is_the_cold_one(
    innovate_check: CheckRun, innovate_synth: Synthesis, innovate: PgplatConfig
) -> None:
    """`pgplat check` (the session's run, through the CLI) left its results beside the
    synthesis; a run that reads them all reports exactly what the CLI reported."""
    cache = ResultCache(innovate_synth.outdir / CACHE_FILE)
    report = run_check(innovate, Assembly.of_synthesis(innovate_synth, innovate), cache=cache)
    assert len(cache.reused) >= len(report.layers)
    assert report.to_dict() == innovate_check.report


def _check_importing(cdk_out: Path, cwd: Path, *options: str) -> tuple[dict[str, Any], set[str]]:
    """`pgplat check` on innovate's synthesis in ``cdk_out``: its JSON report, and every
    module the process imported."""
    command = ["-m", "pgplat", "-c", str(INNOVATE), "-o", "json", "check", *options]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *command, "--cdk-out", str(cdk_out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert imported, done.stderr
    assert {"aws_cdk", "cfnlint", "jsii"}.isdisjoint(imported), done.stderr[-3000:]
    return json.loads(done.stdout), imported


def test_an_unchanged_check_starts_neither_the_cdk_nor_cfn_lint(
    innovate_check: CheckRun, innovate_synth: Synthesis, tmp_path: Path
) -> None:
    """The CLI again on the session's check: the same report, the one it kept, without
    importing ``aws_cdk`` (jsii), cfn-lint or even the configuration's model."""
    report, imported = _check_importing(innovate_synth.outdir, tmp_path)
    assert report == innovate_check.report
    assert "pgplat.config.model" not in imported


def test_the_rules_layer_runs_without_the_cdk_or_cfn_lint(
    innovate_check: CheckRun, innovate_synth: Synthesis, tmp_path: Path
) -> None:
    """`check --layer rules` over a reused synthesis, nothing cached: the rule pack runs
    (the tag rule reads its table, not cfn-lint's schemas) and finds what the full check
    found in that layer."""
    copied = copied_synthesis(innovate_synth, tmp_path)
    (copied.outdir / CACHE_FILE).unlink()
    report, imported = _check_importing(copied.outdir, tmp_path, "--layer", "rules")
    assert "pgplat.policy.rules.mandatory_tags_present" in imported
    assert report["layers"] == ["rules"]
    for kind in ("findings", "waived", "acknowledged"):
        expected = [f for f in innovate_check.report[kind] if f["layer"] == "rules"]
        assert report[kind] == expected


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(st.from_regex(r"[A-Z][A-Za-z0-9]{0,20}", fullmatch=True), max_size=3))
def test_after_a_template_change_cached_and_cold_agree(
    northwind: PgplatConfig, copied: Synthesis, names: list[str]
) -> None:
    cache = ResultCache(copied.outdir / CACHE_FILE)
    _check(northwind, copied, cache)
    for name in names:
        _public_bucket(copied.stacks["northwind-prod-data"].template_path, name)
    again = ResultCache(copied.outdir / CACHE_FILE)
    assert _check(northwind, copied, again) == _check(northwind, copied, None)


def test_a_changed_template_runs_the_layers_again(
    northwind: PgplatConfig, copied: Synthesis
) -> None:
    cache_file = copied.outdir / CACHE_FILE
    first = _check(northwind, copied, ResultCache(cache_file))
    warm = ResultCache(cache_file)
    assert _check(northwind, copied, warm) == first
    assert len(warm.reused) == len(CHEAP)
    _public_bucket(copied.stacks["northwind-prod-data"].template_path)
    after = ResultCache(cache_file)
    changed = _check(northwind, copied, after)
    assert not after.reused
    assert changed != first
    assert changed == _check(northwind, copied, None)


def test_a_waiver_applies_to_cached_findings(northwind: PgplatConfig, copied: Synthesis) -> None:
    _public_bucket(copied.stacks["northwind-prod-data"].template_path)
    cache_file = copied.outdir / CACHE_FILE
    before = _check(northwind, copied, ResultCache(cache_file))
    rule = before["findings"][0]["rule_id"]
    waiver = Waiver(rule=rule, reason="accepted for this test", expires=TODAY + timedelta(days=9))
    check = northwind.check.model_copy(update={"waivers": [waiver]})
    waived = northwind.model_copy(update={"check": check})
    cached = _check(waived, copied, ResultCache(cache_file))
    assert cached == _check(waived, copied, None)
    assert rule in {w["rule_id"] for w in cached["waived"]}
    assert rule not in {f["rule_id"] for f in cached["findings"]}


def _inputs(config: PgplatConfig, assembly: Assembly, **changes: Any) -> Inputs:
    inputs = Inputs(config, assembly, ("aws-solutions",), TODAY, ResultCache(None))
    return dataclasses.replace(inputs, **changes)


@pytest.mark.parametrize("layer", ["rules", "chain", "isolation", "cdk-nag", "cfn-lint"])
def test_the_layer_key_covers_rules_linters_packs_config_and_day(
    northwind: PgplatConfig, copied: Synthesis, layer: CheckLayer
) -> None:
    assembly = Assembly.of_synthesis(copied, northwind)
    base = _inputs(northwind, assembly)
    key = layer_key(layer, base, versions())
    assert layer_key(layer, _inputs(northwind, assembly), versions()) == key
    for name in versions():
        assert layer_key(layer, base, {**versions(), name: "0.0.0"}) != key
    later = _inputs(northwind, assembly, today=TODAY + timedelta(days=1))
    assert layer_key(layer, later, versions()) != key
    renamed = northwind.model_copy(update={"name": "southwind"})
    assert layer_key(layer, _inputs(renamed, assembly), versions()) != key
    packs = _inputs(northwind, assembly, packs=("hipaa",))
    assert (layer_key(layer, packs, versions()) != key) == (layer == "cdk-nag")
    stack = assembly.stacks[0]
    moved = dataclasses.replace(stack, metadata={**stack.metadata, "/x": [{"type": "y"}]})
    other = dataclasses.replace(assembly, stacks=(moved, *assembly.stacks[1:]))
    assert layer_key(layer, _inputs(northwind, other), versions()) != key


def test_cfn_lint_is_cached_per_template(northwind: PgplatConfig, copied: Synthesis) -> None:
    small = [s for s in Assembly.of_synthesis(copied, northwind).stacks if "data" not in s.name]
    assembly = Assembly(copied.outdir, tuple(small[:1]))
    stack = assembly.stacks[0]
    cache = ResultCache(copied.outdir / CACHE_FILE)
    cold = lint_stacks(assembly, northwind.region, cache)
    cache.save()
    key = template_key(stack.template_path, stack.region or northwind.region, versions())
    assert template_key(stack.template_path, "ap-south-1", versions()) != key
    assert template_key(stack.template_path, northwind.region, {"cfn-lint": "0"}) != key
    warm = ResultCache(copied.outdir / CACHE_FILE)
    assert lint_stacks(assembly, northwind.region, warm) == cold
    assert warm.reused == {key}
    template = json.loads(stack.template_path.read_text())
    template["Resources"]["Bad"] = {"Type": "AWS::S3::Bucket", "Properties": {"Nope": 1}}
    stack.template_path.write_text(json.dumps(template))
    changed = ResultCache(copied.outdir / CACHE_FILE)
    found = lint_stacks(assembly, northwind.region, changed)
    assert not changed.reused
    assert any(f.rule_id == "E3002" for f in found)


def test_the_cache_file_stays_small_and_survives_garbage(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILE
    path.write_text("{not json")
    cache = ResultCache(path)
    assert cache.get("k") is None
    for i in range(LIMIT + 10):
        cache.put(f"k{i}", i)
    cache.save()
    kept = json.loads(path.read_text())
    assert len(kept) == LIMIT
    assert ResultCache(path).get(f"k{LIMIT + 9}") == LIMIT + 9


def test_a_cache_that_cannot_be_written_keeps_nothing(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    cache = ResultCache(tmp_path / "a-file" / CACHE_FILE)
    cache.put("k", 1)
    cache.save()
    assert cache.get("k") == 1
    assert ResultCache(tmp_path / "a-file" / CACHE_FILE).get("k") is None
