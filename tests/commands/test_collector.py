"""pgplat's processes collect garbage rarely: their imports allocate millions of objects that
live until exit, which the default thresholds would walk hundreds of times."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

from pgplat.collector import THRESHOLDS
from pgplat.commands.app import main


@pytest.fixture
def thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("thresholds")
def test_the_command_tunes_the_collector_first(monkeypatch: pytest.MonkeyPatch) -> None:
    gc.set_threshold(700, 10, 10)
    monkeypatch.setattr(sys, "argv", ["pgplat", "--version"])
    with pytest.raises(SystemExit):
        main()
    assert gc.get_threshold() == THRESHOLDS


def test_a_cfn_lint_worker_tunes_it_before_loading_cfn_lint() -> None:
    probe = (
        "import gc, pgplat.policy.lint_child as w\n"
        "w.load_rules = lambda: print(gc.get_threshold(), flush=True) or exit(0)\n"
        "w.main()\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, "0,0"], capture_output=True, text=True)
    assert done.stdout.strip() == str(THRESHOLDS)


@pytest.mark.parametrize(
    ("argv", "code", "said"),
    [(["--version"], 0, "pgplat"), (["-c", "/nonexistent/pgplat.yaml", "synth"], 2, "pgplat.yaml")],
)
def test_the_command_ends_without_teardown_yet_says_everything(
    argv: list[str], code: int, said: str
) -> None:
    """The console script skips tearing down its objects, not its output or exit handlers."""
    probe = (
        "import atexit, sys\n"
        "from pgplat.commands.app import run\n"
        "atexit.register(lambda: print('exit handler ran', flush=True))\n"
        "class Kept:\n"
        "    def __del__(self): print('torn down', flush=True)\n"
        "kept = Kept()\n"
        f"sys.argv = ['pgplat', *{argv!r}]\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == code
    assert said in done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("exit handler ran")
    assert "torn down" not in done.stdout
