"""Synthesis of the innovate example: cold, reused from the manifest, and against the floor
of the CDK itself (App().synth() of an empty stack), measured in the same run."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pgplat.config import load_config
from pgplat.infra.app import synthesize

from common import Row, median_seconds

INNOVATE = Path(__file__).resolve().parents[1] / "examples" / "innovate-inc.yaml"


def _empty_app(outdir: Path) -> None:
    import aws_cdk as cdk

    app = cdk.App(outdir=str(outdir))
    cdk.Stack(app, "Empty")
    app.synth()


def rows() -> list[Row]:
    config = load_config(INNOVATE)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        start = time.perf_counter()
        synthesize(config, out / "cdk.out")
        first = time.perf_counter() - start  # includes starting the jsii kernel
        cold = median_seconds(lambda: synthesize(config, out / "cdk.out"), repeat=3)
        reused = median_seconds(lambda: synthesize(config, out / "cdk.out", reuse=True), repeat=5)
        empty = median_seconds(lambda: _empty_app(out / "empty"), repeat=5)
    return [
        Row(
            "synth innovate (prod+dev), first in process",
            "pgplat synthesize",
            first,
            "empty CDK App().synth()",
            empty,
            "s",
        ),
        Row(
            "synth innovate (prod+dev)",
            "pgplat synthesize",
            cold,
            "empty App().synth()",
            empty,
            "s",
        ),
        Row(
            "synth innovate, config unchanged",
            "synthesize(reuse=True)",
            reused,
            "full synthesize",
            cold,
            "s",
            target="< 0.1x",
        ),
    ]
