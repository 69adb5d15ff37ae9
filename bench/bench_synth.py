"""Synthesis of the innovate example against the floor of the CDK itself (App().synth() of a
one-resource stack), cold (a fresh process, as `pgplat synth` runs) and warm (in a process
whose jsii kernel is already up), plus the reuse of an unchanged synthesis."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pgplat.config.loader import load_config
from pgplat.infra.app import synthesize

from common import FLOOR_SCRIPT, Row, median_seconds

INNOVATE = Path(__file__).resolve().parents[1] / "examples" / "innovate-inc.yaml"

_PGPLAT = """
import sys
from pathlib import Path
from pgplat.config.loader import load_config
from pgplat.infra.app import synthesize
synthesize(load_config(sys.argv[1]), Path(sys.argv[2]))
"""


def _floor(outdir: Path) -> None:
    import aws_cdk as cdk

    app = cdk.App(outdir=str(outdir))
    cdk.CfnWaitConditionHandle(cdk.Stack(app, "Floor"), "Handle")
    app.synth()


def _fresh_process(script: str, outdir: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", script, str(INNOVATE), str(outdir)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def rows() -> list[Row]:
    config = load_config(INNOVATE)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        cold = _fresh_process(_PGPLAT, out / "cold")
        cold_floor = _fresh_process(FLOOR_SCRIPT, out / "cold-floor")
        synthesize(config, out / "warm")
        warm = median_seconds(lambda: synthesize(config, out / "warm"), repeat=3)
        reused = median_seconds(lambda: synthesize(config, out / "warm", reuse=True), repeat=5)
        _floor(out / "floor")
        warm_floor = median_seconds(lambda: _floor(out / "floor"), repeat=5)
    floor = "one-resource App().synth()"
    return [
        Row(
            "synth innovate (prod+dev), fresh process",
            "pgplat synthesize",
            cold,
            floor,
            cold_floor,
            "s",
        ),
        Row(
            "synth innovate (prod+dev), warm kernel",
            "pgplat synthesize",
            warm,
            floor,
            warm_floor,
            "s",
        ),
        Row(
            "synth innovate, config unchanged",
            "synthesize(reuse=True)",
            reused,
            "full synthesize",
            warm,
            "s",
            target="< 0.1x",
        ),
    ]
