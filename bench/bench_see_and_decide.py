"""`pgplat diagram` and `pgplat advise`: drawing with AWS icons against plain Graphviz boxes,
and a full advice against validating the workload profile alone."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pgplat.config.loader import load_config
from pgplat.design.advisor import WorkloadProfile, advise
from pgplat.design.diagram import describe, render
from pgplat.design.prices import load_prices

from common import Row, median_seconds

INNOVATE = Path(__file__).resolve().parents[1] / "examples" / "innovate-inc.yaml"
WORKLOAD = {
    "reads": 6000,
    "writes": 400,
    "data_gib": 500,
    "growth_gib": 25,
    "connections": 1200,
    "availability": 99.99,
}


def rows() -> list[Row]:
    arch = describe(load_config(INNOVATE))
    result = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("svg", "png"):
            out = Path(tmp) / f"innovate.{fmt}"
            icons = median_seconds(lambda out=out: render(arch, out), repeat=3)
            plain = median_seconds(lambda out=out: render(arch, out, plain=True), repeat=3)
            result.append(
                Row(
                    f"diagram of innovate ({fmt})",
                    "AWS icons" + (", embedded" if fmt == "svg" else ""),
                    icons * 1000,
                    "plain Graphviz boxes",
                    plain * 1000,
                    "ms",
                )
            )
    table = load_prices()
    full = median_seconds(
        lambda: advise(WorkloadProfile(**WORKLOAD), table, "us-east-1"), repeat=101
    )
    alone = median_seconds(lambda: WorkloadProfile(**WORKLOAD), repeat=101)
    result.append(
        Row(
            "advise: rules + 4 priced options",
            "pgplat advise()",
            full * 1_000_000,
            "profile validation alone",
            alone * 1_000_000,
            "µs",
        )
    )
    return result
