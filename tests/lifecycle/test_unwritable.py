"""`pgplat check`, `up` and `synth` in a folder they cannot write: one line saying what could
not be written and why, exit code 2, no traceback and no half-written assembly."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures.examples import NORTHWIND

PGPLAT = str(Path(sys.executable).parent / "pgplat")
Folder = Callable[[Callable[[Path], None]], Path]


def _with_config(folder: Path) -> None:
    shutil.copy(NORTHWIND, folder)


def _pgplat(project: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PGPLAT, "-c", str(project / NORTHWIND.name), *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.mark.parametrize("command", [["check"], ["up"]])
def test_a_read_only_project_is_one_line(command: list[str], read_only_folder: Folder) -> None:
    project = read_only_folder(_with_config)
    done = _pgplat(project, *command)
    assert done.returncode == 2, done.stderr[-2000:]
    # the progress line of the step that failed (stderr is no terminal), then one error line
    *steps, error = done.stderr.strip().splitlines()
    assert all(step.endswith("…") for step in steps), done.stderr[-2000:]
    lines = [error]
    assert lines[0].startswith(f"error: cannot write {project / 'cdk.out'}")
    assert "read-only" in lines[0] or "permission denied" in lines[0] or "not permitted" in lines[0]
    assert "--project-dir" in lines[0]


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_leaves_no_half_assembly(full_folder: Folder) -> None:
    project = full_folder(_with_config)
    done = _pgplat(project, "synth")
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: cannot write ")
    assert "the disk is full (ENOSPC)" in last
    assert "Traceback" not in done.stderr
    cdk_out = project / "cdk.out"
    assert not (cdk_out / "prod").exists()
    assert not (cdk_out / ".synthesizing").exists()
