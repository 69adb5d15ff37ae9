"""cfn-lint's time on innovate's two data templates (the end of every `pgplat synth`), with
:mod:`pgplat.policy.lint_speedups` as the linter's workers run it, against cfn-lint as
shipped: CPU seconds in one process, the two interleaved, so both see the same machine."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pgplat.policy import lint_speedups
from pgplat.policy.lint_child import lint_file, load_rules

from common import Row

INNOVATE = Path(__file__).resolve().parents[1] / "examples" / "innovate-inc.yaml"
REPEAT = 3


def _cpu_seconds(template: Path, region: str) -> float:
    start = time.process_time()
    lint_file(template, region)
    return time.process_time() - start


def rows() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="pgplat-bench-lint-") as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pgplat",
                "-q",
                "-c",
                str(INNOVATE),
                "synth",
                "--no-lint",
                *("--out", tmp),
            ],
            check=True,
            capture_output=True,
        )
        rules = load_rules()
        found = []
        for env in ("prod", "dev"):
            template = next(Path(tmp, env).glob("*-data.template.json"))
            shipped, faster = [], []
            # once first, so that cfn-lint's own first-use costs fall outside both; each
            # install then starts with no class remembered, as a worker's first template does
            lint_file(template, "us-east-1")
            for _ in range(REPEAT):
                shipped.append(_cpu_seconds(template, "us-east-1"))
                installed = lint_speedups.install(rules)
                try:
                    faster.append(_cpu_seconds(template, "us-east-1"))
                finally:
                    installed.uninstall()
            found.append(
                Row(
                    f"cfn-lint, innovate's {env} data template (CPU)",
                    "with pgplat's lint speedups",
                    statistics.median(faster),
                    "cfn-lint as shipped",
                    statistics.median(shipped),
                    "s",
                    target="<= 0.7x",
                )
            )
    return found
