"""`pgplat check`: run every layer over one cloud assembly and decide whether the gate passes.

Layers: our rule pack, the cross-account chain check, the isolation proof, cdk-nag and
cfn-lint, all reading the same :class:`~pgplat.policy.assembly.Assembly`. Each reports
:class:`Finding`s; configured waivers then accept some of them, and the report fails when a
finding at or above ``check.fail_on`` remains.

Each layer's result (before waivers, which are applied afresh every run) is cached on the
inputs it reads (:func:`layer_key`; cfn-lint per template), so an unchanged check only reads
its cache, and a change to a template, the configuration, a rule, a pack or a linter's
version runs the layers it concerns again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pgplat.config.model import PgplatConfig
from pgplat.infra.record import Synthesis, reusable_synthesis
from pgplat.policy.assembly import Assembly
from pgplat.policy.cache import ResultCache, key_of, versions
from pgplat.policy.cdknag import DEFAULT_PACKS, layer_result, nag_assembly
from pgplat.policy.control_tower import control_tower_findings
from pgplat.policy.findings import CHECK_LAYERS, CheckLayer, Severity
from pgplat.policy.report import LayerResult, Report, layer_from_stored, stored_layer
from pgplat.policy.waivers import apply_waivers


def checked_synthesis(
    config: PgplatConfig,
    outdir: Path,
    envs: list[str] | None = None,
    *,
    base_dir: Path,
    packs: Iterable[str] = DEFAULT_PACKS,
    lint_into: ResultCache | None = None,
) -> tuple[Synthesis, dict[CheckLayer, LayerResult]]:
    """The synthesis the gate judges, and the layer results found while making it (for
    ``run_check(known=)``): the previous one while the configuration and code are unchanged
    (read without starting the CDK), else a new one that cdk-nag's ``packs`` check while its
    apps exist, which spares cdk-nag a second synthesis in a child interpreter. With a
    ``lint_into`` cache, cfn-lint lints each environment's templates into it while the next one
    synthesizes (the cfn-lint layer then finds them there)."""
    reused = reusable_synthesis(config, outdir, envs, base_dir)
    if reused is not None:
        return reused, {}
    from pgplat.policy.lint import Linter

    with Linter(lint_into or ResultCache(None), config.region) as linter:
        if lint_into is not None:  # its workers load while the CDK does
            linter.start()
        from pgplat.infra.app import synthesize  # loads the CDK: only when templates are due
        from pgplat.policy.cdknag_app import SynthesisNag

        nag = SynthesisNag(config, packs) if packs else None
        synthesis = synthesize(
            config,
            outdir,
            envs,
            base_dir=base_dir,
            inspect=nag,
            written=linter.lint if lint_into is not None else None,
        )
        if lint_into is not None:
            linter.findings(list(synthesis.stacks.values()))
    if nag is None:
        return synthesis, {}
    assembly = Assembly.of_synthesis(synthesis, config)
    return synthesis, {"cdk-nag": layer_result(assembly, nag.violations)}


@dataclass(frozen=True)
class Inputs:
    """What every layer reads: the configuration and the cloud assembly."""

    config: PgplatConfig
    assembly: Assembly
    packs: tuple[str, ...]
    today: date
    cache: ResultCache


# Each layer's modules are imported when it runs: `check --layer rules` loads only its own.


def _rules(inputs: Inputs) -> LayerResult:
    from pgplat.policy.pack import run_rules

    found = run_rules(inputs.assembly, inputs.config, inputs.today)
    return found + control_tower_findings(inputs.assembly, inputs.config), []


def _chain(inputs: Inputs) -> LayerResult:
    from pgplat.policy.chain import check_chain

    return check_chain(inputs.assembly, inputs.config), []


def _isolation(inputs: Inputs) -> LayerResult:
    from pgplat.guardrails import build_guardrails
    from pgplat.policy.isolation import prove_isolation

    config = inputs.config
    return prove_isolation(inputs.assembly, config, build_guardrails(config)), []


def _nag(inputs: Inputs) -> LayerResult:
    return nag_assembly(inputs.assembly, inputs.packs)


def _lint(inputs: Inputs) -> LayerResult:
    from pgplat.policy.lint import lint_assembly

    return lint_assembly(inputs.assembly, inputs.config.region, inputs.cache)


_RUNNERS: dict[CheckLayer, Callable[[Inputs], LayerResult]] = {
    "rules": _rules,
    "chain": _chain,
    "isolation": _isolation,
    "cfn-lint": _lint,
}
"""The layers run in this process (cdk-nag runs beside them, see ``_run_layers``)."""


def run_check(
    config: PgplatConfig,
    assembly: Assembly,
    *,
    layers: Iterable[CheckLayer] = CHECK_LAYERS,
    packs: Iterable[str] = DEFAULT_PACKS,
    environments: Iterable[str] | None = None,
    fail_on: Severity | None = None,
    today: date | None = None,
    cache: ResultCache | None = None,
    known: Mapping[CheckLayer, LayerResult] | None = None,
) -> Report:
    """Run ``layers`` over ``assembly``; keep findings of ``environments`` (default: all);
    fail at ``fail_on`` (default: the configuration's ``check.fail_on``). Layer results
    found in ``cache`` are reused, and those ``known`` already (cdk-nag's, found while
    synthesizing ``assembly``) are taken; those computed or known are saved in it."""
    today = today or date.today()
    inputs = Inputs(config, assembly, tuple(packs), today, cache or ResultCache(None))
    chosen = tuple(layers)
    results = _run_layers(chosen, inputs, known or {})
    inputs.cache.save()
    findings = [f for layer in chosen for f in results[layer][0]]
    acknowledged = [a for layer in chosen for a in results[layer][1]]
    wanted = set(environments) if environments is not None else None
    if wanted is not None:
        findings = [f for f in findings if f.environment is None or f.environment in wanted]
    remaining, waived = apply_waivers(findings, list(config.check.waivers), today)
    return Report(
        findings=tuple(remaining),
        waived=tuple(waived),
        acknowledged=tuple(acknowledged),
        fail_on=fail_on or config.check.fail_on,
        layers=chosen,
        templates={s.name: s.template_path for s in assembly.stacks},
    )


def _run_layers(
    chosen: tuple[CheckLayer, ...], inputs: Inputs, known: Mapping[CheckLayer, LayerResult]
) -> dict[CheckLayer, LayerResult]:
    """Every chosen layer's result, from the cache or ``known`` where they hold one. cdk-nag
    over an assembly on disk runs in a child interpreter, so it is started first and
    awaited last: the other layers use the time it spends in its own process. An
    interruption is not held up by it (its child dies with pgplat)."""
    keys = {layer: layer_key(layer, inputs, versions()) for layer in chosen}
    cached = {layer: _cached(inputs.cache, key) for layer, key in keys.items()}
    results = {layer: result for layer, result in cached.items() if result is not None}
    results.update({layer: known[layer] for layer in chosen if layer in known})
    background = ThreadPoolExecutor(max_workers=1)
    try:
        nag_due = "cdk-nag" in chosen and "cdk-nag" not in results
        nag = background.submit(_nag, inputs) if nag_due else None
        for layer in chosen:
            if layer != "cdk-nag" and layer not in results:
                results[layer] = _RUNNERS[layer](inputs)
        if nag is not None:
            results["cdk-nag"] = nag.result()
    finally:
        background.shutdown(wait=False, cancel_futures=True)
    for layer, key in keys.items():
        inputs.cache.put(key, stored_layer(results[layer]))
    return results


def layer_key(layer: CheckLayer, inputs: Inputs, versions: Mapping[str, str]) -> str:
    """Everything one layer's result depends on: the templates with their construct
    metadata and placement, the configuration less ``check`` (waivers and the threshold are
    applied to every run's findings, after the layers), the packs, the checks' and linters'
    ``versions`` (:func:`pgplat.policy.cache.versions`) and the day (rules look at dates)."""
    config = inputs.config.model_dump(mode="json", by_alias=True, exclude={"check"})
    return key_of(
        {
            "layer": layer,
            "stacks": assembly_digest(inputs.assembly),
            "config": config,
            "packs": list(inputs.packs) if layer == "cdk-nag" else [],
            "versions": dict(versions),
            "today": inputs.today.isoformat(),
        }
    )


def assembly_digest(assembly: Assembly) -> dict[str, list[Any]]:
    """Each stack's template by content, with what the checks read beside it."""
    return {
        stack.name: [
            hashlib.sha256(stack.template_path.read_bytes()).hexdigest(),
            stack.environment,
            stack.role,
            stack.account,
            stack.region,
            stack.metadata,
        ]
        for stack in assembly.stacks
    }


def _cached(cache: ResultCache, key: str) -> LayerResult | None:
    """The layer result stored under ``key``, or None (also for an entry that does not read
    as one: a cache is never trusted over running the layer)."""
    stored = cache.get(key)
    if not isinstance(stored, Mapping):
        return None
    try:
        return layer_from_stored(stored)
    except (KeyError, TypeError, ValueError):
        return None


def verdict_key(assembly: Assembly, config: PgplatConfig, today: date) -> str:
    """Everything a verdict depends on, hashed, so a cached verdict is only reused for it:
    each template's bytes and construct metadata, the rule pack, the linters' versions,
    the configuration (its check settings and waivers among it) and the day (waivers
    and rules look at dates)."""
    return key_of(
        {
            "stacks": assembly_digest(assembly),
            "versions": versions(),
            "config": config.model_dump(mode="json", by_alias=True),
            "today": today.isoformat(),
        }
    )
