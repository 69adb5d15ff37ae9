"""The targets of `pgplat check` and `pgplat synth` (issue 24), each as the real CLI runs in
a fresh process, against the baseline it is judged by, measured in the same run:

- `pgplat check` with nothing changed: at most 0.1x `pgplat synth` (every result cached);
- `pgplat check` from nothing: at most 1.2x `pgplat synth`;
- `pgplat synth`: at most 2.5x a one-resource CDK app synthesized by a fresh interpreter
  with the CDK's defaults (shown too against the same app without the CDK's built-in
  validation, which pgplat turns off);
- one layer (`check --layer rules`) over a reused synthesis, the layer run (nothing of an
  earlier check kept): at most 1 s.

`pgplat synth` here is what a user runs: synthesis and cfn-lint on every template. It and
the CDK app are each run three times, in turn, into new folders, and their medians compared:
on a shared machine one run of either varies by a tenth. The sub-second rows (an unchanged
check, one layer) are medians of five runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import FLOOR_SCRIPT, WITHOUT_CDK_VALIDATION, Row

INNOVATE = Path(__file__).resolve().parents[1] / "examples" / "innovate-inc.yaml"
SYNTH_REPEAT = 3
QUICK_REPEAT = 5


def _timed(
    command: list[str], ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None
) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise RuntimeError(f"{' '.join(command[:6])} failed: {done.stderr[-2000:]}")
    return elapsed


def _pgplat(*args: str) -> float:
    # check exits 1 when a finding fails the gate: that is a verdict, not a failed run
    return _timed([sys.executable, "-m", "pgplat", "-q", "-c", str(INNOVATE), *args], ok=(0, 1))


def _one_layer(synthesis: Path) -> float:
    """`check --layer rules` over ``synthesis`` with nothing of a check kept there (neither
    the layer's result nor a report), so the layer runs."""
    for kept in ("pgplat-check-cache.json", "pgplat-check-verdicts.json"):
        (synthesis / kept).unlink(missing_ok=True)
    return _pgplat("check", "--layer", "rules", "--out", str(synthesis))


def rows() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="pgplat-bench-check-") as tmp:
        syntheses, floors, bares = [], [], []
        for run in range(SYNTH_REPEAT):
            syntheses.append(_pgplat("synth", "--out", f"{tmp}/synth{run}"))
            floors.append(
                _timed([sys.executable, "-c", FLOOR_SCRIPT, str(INNOVATE), f"{tmp}/floor{run}"])
            )
            bares.append(
                _timed(
                    [sys.executable, "-c", FLOOR_SCRIPT, str(INNOVATE), f"{tmp}/bare{run}"],
                    env=WITHOUT_CDK_VALIDATION,
                )
            )
        synth, floor, bare = map(statistics.median, (syntheses, floors, bares))
        checked = f"{tmp}/check"
        one_layer = statistics.median(_one_layer(Path(tmp, "synth0")) for _ in range(QUICK_REPEAT))
        cold = _pgplat("check", "--out", checked)
        unchanged = statistics.median(
            _pgplat("check", "--out", checked) for _ in range(QUICK_REPEAT)
        )
    return [
        Row(
            "check, nothing changed",
            "pgplat check",
            unchanged,
            "pgplat synth",
            synth,
            "s",
            target="<= 0.1x",
        ),
        Row(
            "check from nothing", "pgplat check", cold, "pgplat synth", synth, "s", target="<= 1.2x"
        ),
        Row(
            "synth innovate, fresh process",
            "pgplat synth",
            synth,
            "one-resource CDK app",
            floor,
            "s",
            target="<= 2.5x",
        ),
        Row(
            "synth innovate, fresh process",
            "pgplat synth",
            synth,
            "same app, no CDK validation",
            bare,
            "s",
        ),
        Row(
            "one layer, synthesis reused",
            "pgplat check --layer rules",
            one_layer,
            "1 s",
            1.0,
            "s",
            target="<= 1.0x",
        ),
    ]
