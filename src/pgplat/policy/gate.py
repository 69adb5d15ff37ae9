"""`pgplat check`: run every layer over one cloud assembly and decide whether the gate passes.

Layers: our rule pack, the cross-account chain check, the isolation proof, cdk-nag and
cfn-lint, all reading the same :class:`~pgplat.policy.assembly.Assembly`. Each reports
:class:`Finding`s; configured waivers then accept some of them, and the report fails when a
finding at or above ``check.fail_on`` remains.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from pathlib import Path

import pgplat.guardrails
import pgplat.policy
from pgplat import __version__
from pgplat.config import PgplatConfig
from pgplat.guardrails import build_guardrails
from pgplat.infra.app import source_digest
from pgplat.policy.assembly import Assembly
from pgplat.policy.cdknag import DEFAULT_PACKS, nag_assembly
from pgplat.policy.chain import check_chain
from pgplat.policy.findings import CHECK_LAYERS, CheckLayer, Severity
from pgplat.policy.isolation import prove_isolation
from pgplat.policy.lint import lint_assembly
from pgplat.policy.pack import run_rules
from pgplat.policy.report import LayerResult, Report
from pgplat.policy.waivers import apply_waivers


@dataclass(frozen=True)
class Inputs:
    """What every layer reads: the configuration and the cloud assembly."""

    config: PgplatConfig
    assembly: Assembly
    packs: tuple[str, ...]
    today: date


def _rules(inputs: Inputs) -> LayerResult:
    return run_rules(inputs.assembly, inputs.config, inputs.today), []


def _chain(inputs: Inputs) -> LayerResult:
    return check_chain(inputs.assembly, inputs.config), []


def _isolation(inputs: Inputs) -> LayerResult:
    config = inputs.config
    return prove_isolation(inputs.assembly, config, build_guardrails(config)), []


def _nag(inputs: Inputs) -> LayerResult:
    return nag_assembly(inputs.assembly, inputs.packs)


def _lint(inputs: Inputs) -> LayerResult:
    return lint_assembly(inputs.assembly, inputs.config.region)


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
) -> Report:
    """Run ``layers`` over ``assembly``; keep findings of ``environments`` (default: all);
    fail at ``fail_on`` (default: the configuration's ``check.fail_on``)."""
    today = today or date.today()
    inputs = Inputs(config, assembly, tuple(packs), today)
    chosen = tuple(layers)
    results = _run_layers(chosen, inputs)
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


def _run_layers(chosen: tuple[CheckLayer, ...], inputs: Inputs) -> dict[CheckLayer, LayerResult]:
    """Every chosen layer's result. cdk-nag runs in a child interpreter, so it is started
    first and awaited last: the other layers use the time it spends in its own process.
    An interruption is not held up by it (its child dies with pgplat)."""
    background = ThreadPoolExecutor(max_workers=1)
    try:
        nag = background.submit(_nag, inputs) if "cdk-nag" in chosen else None
        results: dict[CheckLayer, LayerResult] = {
            layer: _RUNNERS[layer](inputs) for layer in chosen if layer != "cdk-nag"
        }
        if nag is not None:
            results["cdk-nag"] = nag.result()
    finally:
        background.shutdown(wait=False, cancel_futures=True)
    return results


LINTERS = ("cfn-lint", "cdk-nag", "aws-cdk-lib")
"""The distributions whose versions decide what the cfn-lint and cdk-nag layers find."""


def verdict_key(assembly: Assembly, config: PgplatConfig, today: date) -> str:
    """Everything a verdict depends on, hashed, so a cached verdict is only reused for it:
    each template's bytes and construct metadata, the rule pack, the linters' versions,
    the configuration (its check settings and waivers among it) and the day (waivers
    and rules look at dates)."""
    document = {
        "stacks": {
            stack.name: [
                hashlib.sha256(stack.template_path.read_bytes()).hexdigest(),
                stack.environment,
                stack.role,
                stack.metadata,
            ]
            for stack in assembly.stacks
        },
        "rule-pack": rule_pack_version(),
        "linters": {name: version(name) for name in LINTERS},
        "config": config.model_dump(mode="json", by_alias=True),
        "today": today.isoformat(),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def rule_pack_version() -> str:
    """pgplat's version and the digest of the checks as this process loaded them (this
    package, and the guardrails the isolation proof reads)."""
    packages = (Path(pgplat.policy.__file__).parent, Path(pgplat.guardrails.__file__).parent)
    return "+".join([__version__, *(source_digest(p)[:16] for p in packages)])
