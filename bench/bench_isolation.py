"""The isolation proof and the guardrails on the innovate example: the proof's cost against
the synthesis it follows (it runs on every `pgplat check`), and each SCP's size against the
AWS Organizations limit."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pgplat.config.loader import load_config
from pgplat.guardrails import build_guardrails
from pgplat.guardrails.validate import SCP_MAX_CHARS
from pgplat.infra.app import synthesize
from pgplat.policy.assembly import Assembly
from pgplat.policy.isolation import prove_isolation

from common import Row, median_seconds

INNOVATE = Path(__file__).resolve().parents[1] / "examples" / "innovate-inc.yaml"


def rows() -> list[Row]:
    config = load_config(INNOVATE)
    guardrails = build_guardrails(config)
    with tempfile.TemporaryDirectory() as outdir:
        start = time.perf_counter()
        synthesis = synthesize(config, Path(outdir))
        synth_seconds = time.perf_counter() - start
        assembly = Assembly.of_synthesis(synthesis, config)
    findings = prove_isolation(assembly, config, guardrails)
    assert findings == [], [f.message for f in findings]
    proof = median_seconds(lambda: prove_isolation(assembly, config, guardrails), repeat=11)
    resources = sum(len(s.template.get("Resources", {})) for s in assembly.stacks)
    result = [
        Row(
            f"isolation proof: innovate, {len(assembly.stacks)} stacks, {resources} resources",
            "prove_isolation + guardrail crossings",
            proof * 1000,
            "CDK synthesis of the same stacks",
            synth_seconds * 1000,
            "ms",
            "< 10% of synthesis",
        )
    ]
    result += [
        Row(
            f"SCP size: {name}",
            "minified JSON",
            size,
            "AWS Organizations limit",
            SCP_MAX_CHARS,
            "chars",
            "≤ 1",
        )
        for name, size in guardrails.sizes().items()
    ]
    return result
