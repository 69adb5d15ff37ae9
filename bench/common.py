"""What every benchmark returns: a measurement of ours next to an alternative measured in the
same run, so the printed ratio is meaningful on whatever machine runs it."""

from __future__ import annotations

import operator
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

FLOOR_SCRIPT = """
import sys
import pgplat.infra
import aws_cdk as cdk
app = cdk.App(outdir=sys.argv[2])
cdk.CfnWaitConditionHandle(cdk.Stack(app, "Floor"), "Handle")
app.synth()
"""
"""A one-resource CDK app for a fresh interpreter (argv[2]: its outdir): the CDK's own floor,
with the CDK's defaults (its built-in CloudFormation validation among them)."""
WITHOUT_CDK_VALIDATION = {"CDK_VALIDATION": "false"}
"""The environment of the same app without the CDK's built-in validation, which pgplat turns
off (cfn-lint checks its templates): the floor of a synthesis that does no validation."""


@dataclass(frozen=True)
class Row:
    benchmark: str
    ours: str
    ours_value: float
    baseline: str
    baseline_value: float
    unit: str
    target: str = ""

    @property
    def ratio(self) -> float:
        return self.ours_value / self.baseline_value if self.baseline_value else float("inf")

    @property
    def verdict(self) -> str:
        """``met`` or ``missed`` for a target such as ``<= 1.2x`` (blank without one)."""
        match = _TARGET.fullmatch(self.target.strip())
        if match is None:
            return ""
        within = _COMPARE[match["op"]](self.ratio, float(match["limit"]))
        return "met" if within else "missed"


_TARGET = re.compile(r"(?P<op><=|<)\s*(?P<limit>[0-9.]+)x")
_COMPARE = {"<=": operator.le, "<": operator.lt}


def median_seconds(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``fn`` over ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
