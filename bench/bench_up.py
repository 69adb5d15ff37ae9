"""`pgplat up` on the innovate example: a second run with an unchanged config, against the
first run in a fresh directory (target: under a third of it)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import Row

CONFIG = Path(__file__).resolve().parents[1] / "examples" / "innovate-inc.yaml"


def _pgplat(project: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pgplat", "-q", *args, "--config", str(CONFIG)],
        cwd=project,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def rows() -> list[Row]:
    project = Path(tempfile.mkdtemp(prefix="pgplat-bench-up-"))
    project.chmod(0o755)  # the local server's account must reach its data directory
    try:
        first = _pgplat(project, "up")
        second = _pgplat(project, "up")
    finally:
        subprocess.run(
            [sys.executable, "-m", "pgplat", "-q", "-c", str(CONFIG), "dev", "destroy", "--yes"],
            cwd=project,
            check=False,
            capture_output=True,
        )
    return [
        Row(
            "pgplat up, unchanged config",
            "second run",
            second,
            "first run (fresh dir)",
            first,
            "s",
            "< 0.33x",
        ),
    ]
