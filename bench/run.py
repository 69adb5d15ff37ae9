"""`make bench`: run every bench/bench_*.py and print one table of side-by-side ratios.

pgplat's modules are compiled to bytecode first, as installing a wheel does, so a fresh
process measures pgplat's work and not Python compiling it (which PYTHONDONTWRITEBYTECODE
would otherwise repeat in every process).
"""

from __future__ import annotations

import compileall
import importlib.util
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Row  # noqa: E402


def _load(path: Path) -> list[Row]:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows: list[Row] = module.rows()
    return rows


def main() -> None:
    only = sys.argv[1:]
    compileall.compile_dir(HERE.parent / "src" / "pgplat", quiet=1)
    table = Table(title="pgplat benchmarks (same machine, same run)")
    for column in ("benchmark", "ours", "value", "baseline", "value", "ratio", "target", ""):
        table.add_column(column)
    for path in sorted(HERE.glob("bench_*.py")):
        if only and path.stem.removeprefix("bench_") not in only:
            continue
        for row in _load(path):
            table.add_row(
                row.benchmark,
                row.ours,
                f"{row.ours_value:.4g} {row.unit}",
                row.baseline,
                f"{row.baseline_value:.4g} {row.unit}",
                f"{row.ratio:.2f}x",
                row.target,
                row.verdict,
            )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
