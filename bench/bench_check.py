"""`pgplat check` on the innovate example against synthesis alone, both as a user runs them.

Three runs of the real CLI in fresh directories: `pgplat synth` (synthesis alone), `pgplat
check` from nothing (synthesis + every layer), and `pgplat check` again, which reuses the
unchanged synthesis and so measures the five layers themselves.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import Row

INNOVATE = Path(__file__).resolve().parents[1] / "examples" / "innovate-inc.yaml"


def _seconds(*args: str, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pgplat", "-q", "-c", str(INNOVATE), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise RuntimeError(f"pgplat {' '.join(args)} failed: {done.stderr[-2000:]}")
    return elapsed


def rows() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="pgplat-bench-check-") as tmp:
        synth = _seconds("synth", "--no-lint", "--out", f"{tmp}/synth-only")
        check_out = f"{tmp}/check"
        full = _seconds("check", "--out", check_out)
        layers = _seconds("check", "--out", check_out)
    return [
        Row(
            "check: innovate-inc.yaml",
            "pgplat check (synth + 5 layers)",
            full,
            "pgplat synth alone",
            synth,
            "s",
        ),
        Row(
            "check: innovate-inc.yaml, synthesis reused",
            "pgplat check (5 layers)",
            layers,
            "pgplat synth alone",
            synth,
            "s",
        ),
    ]
