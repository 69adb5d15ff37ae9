"""`pgplat check`: run every layer over one synthesis and decide whether the gate passes.

Layers: our rule pack, the cross-account chain check, the isolation proof, cdk-nag and
cfn-lint. Each reports :class:`Finding`s; configured waivers then accept some of them, and
the report fails when a finding at or above ``check.fail_on`` remains.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pgplat.config import PgplatConfig
from pgplat.config.model import StackAccount
from pgplat.guardrails import build_guardrails
from pgplat.infra.app import MANIFEST, StackInfo, Synthesis
from pgplat.infra.nag import DEFAULT_PACKS
from pgplat.policy.assembly import Assembly
from pgplat.policy.cdknag import nag_assembly
from pgplat.policy.chain import check_chain
from pgplat.policy.findings import CHECK_LAYERS, CheckLayer, Finding, Severity
from pgplat.policy.isolation import prove_isolation
from pgplat.policy.lint import lint_assembly
from pgplat.policy.pack import run_rules
from pgplat.policy.report import Acknowledged, Report
from pgplat.policy.waivers import apply_waivers


@dataclass(frozen=True)
class Inputs:
    """What every layer reads: the configuration, the synthesis, and its cloud assembly."""

    config: PgplatConfig
    synthesis: Synthesis
    assembly: Assembly
    packs: tuple[str, ...]
    today: date


Outcome = tuple[list[Finding], list[Acknowledged]]


def _rules(inputs: Inputs) -> Outcome:
    return run_rules(inputs.assembly, inputs.config, inputs.today), []


def _chain(inputs: Inputs) -> Outcome:
    return check_chain(inputs.synthesis, inputs.config), []


def _isolation(inputs: Inputs) -> Outcome:
    config = inputs.config
    return prove_isolation(inputs.synthesis, config, build_guardrails(config)), []


def _nag(inputs: Inputs) -> Outcome:
    return nag_assembly(inputs.assembly, inputs.packs)


def _lint(inputs: Inputs) -> Outcome:
    return lint_assembly(inputs.assembly, inputs.config.region)


_RUNNERS: dict[CheckLayer, Callable[[Inputs], Outcome]] = {
    "rules": _rules,
    "chain": _chain,
    "isolation": _isolation,
    "cfn-lint": _lint,
}
"""The layers run in this process (cdk-nag runs beside them, see ``_run_layers``)."""


def run_check(
    config: PgplatConfig,
    synthesis: Synthesis,
    *,
    layers: Iterable[CheckLayer] = CHECK_LAYERS,
    packs: Iterable[str] = DEFAULT_PACKS,
    environments: Iterable[str] | None = None,
    fail_on: Severity | None = None,
    today: date | None = None,
) -> Report:
    """Run ``layers`` over ``synthesis``; keep findings of ``environments`` (default: all);
    fail at ``fail_on`` (default: the configuration's ``check.fail_on``)."""
    today = today or date.today()
    assembly = Assembly.load(synthesis.outdir, config)
    inputs = Inputs(config, synthesis, assembly, tuple(packs), today)
    chosen = tuple(layers)
    outcomes = _run_layers(chosen, inputs)
    findings = [f for layer in chosen for f in outcomes[layer][0]]
    acknowledged = [a for layer in chosen for a in outcomes[layer][1]]
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


def _run_layers(chosen: tuple[CheckLayer, ...], inputs: Inputs) -> dict[CheckLayer, Outcome]:
    """Every chosen layer's outcome. cdk-nag runs in a child interpreter, so it is started
    first and awaited last: the other layers use the time it spends in its own process."""
    with ThreadPoolExecutor(max_workers=1) as background:
        nag = background.submit(_nag, inputs) if "cdk-nag" in chosen else None
        outcomes: dict[CheckLayer, Outcome] = {
            layer: _RUNNERS[layer](inputs) for layer in chosen if layer != "cdk-nag"
        }
        if nag is not None:
            outcomes["cdk-nag"] = nag.result()
    return outcomes


def synthesis_from_cdk_out(outdir: Path, config: PgplatConfig) -> Synthesis:
    """An existing synthesis read back from disk, for checking without synthesizing again.

    Each stack's account role comes from the manifest `pgplat synth` writes beside the
    assemblies; without it, a stack in the environment's data account is a data stack.
    """
    assembly = Assembly.load(outdir, config)
    roles = _recorded_roles(outdir)
    stacks = {}
    for stack in assembly.stacks:
        env = stack.environment or ""
        role: StackAccount = roles.get(stack.name) or (
            "data"
            if env in config.environments.cloud()
            and stack.account == config.account_of(env, "data")
            else "app"
        )
        stacks[stack.name] = StackInfo(
            name=stack.name,
            env=env,
            role=role,
            account=stack.account or "",
            region=stack.region or config.region,
            template_path=stack.template_path,
        )
    templates = {s.name: dict(s.template) for s in assembly.stacks}
    return Synthesis(outdir, config_hash="", stacks=stacks, templates=templates, reused=True)


def _recorded_roles(outdir: Path) -> dict[str, StackAccount]:
    try:
        manifest = json.loads((outdir / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return {
        s["name"]: s["role"] for s in manifest.get("stacks", []) if s.get("role") in ("data", "app")
    }
