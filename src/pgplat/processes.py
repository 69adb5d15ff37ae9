"""Child processes that never outlive pgplat.

Every child runs in a process group of its own, which is killed whole when pgplat stops
waiting for it: on success nothing is left, and on a timeout, Ctrl-C or any error the group
gets SIGKILL before the exception moves on. On Linux the child also asks the kernel for
SIGKILL when pgplat itself dies (``PR_SET_PDEATHSIG``), so even ``kill -9`` of pgplat leaves
no orphan ``npm`` or ``node`` behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pgplat.errors import UserError

_PR_SET_PDEATHSIG = 1


def die_with_parent_hook() -> Callable[[], None] | None:
    """A hook asking for SIGKILL when this process dies, to run in its child right after the
    fork (Linux only; a pre-exec hook, or the first call of a forked worker)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return hook


@contextlib.contextmanager
def child(argv: Sequence[str], **popen: Any) -> Iterator[subprocess.Popen[str]]:
    """Start ``argv`` in a process group of its own; kill the group when the block ends."""
    process = subprocess.Popen(
        list(argv),
        text=True,
        start_new_session=True,
        preexec_fn=die_with_parent_hook(),  # one prctl call: safe after fork
        **popen,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for stream in (process.stdout, process.stderr, process.stdin):
            if stream is not None:
                stream.close()


def run_captured(
    argv: Sequence[str],
    *,
    what: str,
    timeout: float | None,
    fix: str = "run it again",
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` to completion with its output captured; past ``timeout`` seconds it is
    killed and ``what`` is reported in one line with how to ``fix`` it."""
    with child(
        argv,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
    ) as process:
        try:
            out, err = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise UserError(f"{what} did not finish within {timeout:g} s; {fix}") from None
    return subprocess.CompletedProcess(list(argv), process.returncode, out, err)


def run_attached(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ``argv`` with the current environment plus ``env``, its output on the terminal."""
    with child(argv, env={**os.environ, **env}) as process:
        return process.wait()
