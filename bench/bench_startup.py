"""How long `pgplat --version` and `pgplat --help` take to start, against a Python that only
imports typer and rich: every command's module is imported when it runs, so the ratio stays
near 1 however many commands (and their boto3, psycopg, CDK) there are."""

from __future__ import annotations

import subprocess
import sys

from common import Row, median_seconds

BASELINE = [sys.executable, "-c", "import typer, rich"]
HELP_RENDERER = [sys.executable, "-c", "import typer.rich_utils"]
"""What typer loads to draw any rich help screen (rich's markdown, syntax and traceback)."""


def _run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True, env={"COLUMNS": "80", "PATH": ""})


def rows() -> list[Row]:
    baseline = median_seconds(lambda: _run(BASELINE), repeat=7)
    renderer = median_seconds(lambda: _run(HELP_RENDERER), repeat=7)
    ours = {
        flag: median_seconds(lambda f=flag: _run([sys.executable, "-m", "pgplat", f]), repeat=7)
        for flag in ("--version", "--help")
    }
    return [
        *(
            Row(
                f"start-up: pgplat {flag}",
                f"pgplat {flag}",
                seconds * 1000,
                'python -c "import typer, rich"',
                baseline * 1000,
                "ms",
                "< 1.5x" if flag == "--version" else "",
            )
            for flag, seconds in ours.items()
        ),
        Row(
            "start-up: pgplat --help",
            "pgplat --help",
            ours["--help"] * 1000,
            'python -c "import typer.rich_utils"',
            renderer * 1000,
            "ms",
            "< 1.5x",
        ),
    ]
