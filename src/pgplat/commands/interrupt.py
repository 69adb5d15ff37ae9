"""Ctrl-C ends the `pgplat` command at once, in one line.

Ctrl-C reaches the CDK's Node process (jsii) as well as pgplat, so what surfaces in Python is
often not a ``KeyboardInterrupt`` but a broken jsii channel, and threads still waiting for a
child (cdk-nag) would hold the exit for seconds. Once SIGINT has arrived, whatever is raised
therefore means "interrupted": the line is printed and the process leaves with 130 without
waiting for threads or exit handlers. Children started through :mod:`pgplat.processes` die
with it.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import NoReturn

INTERRUPTED = 130
"""What a shell reports for a command ended by SIGINT (128 + 2)."""


@contextmanager
def exits_on_interrupt(say: Callable[[str], None]) -> Iterator[None]:
    """Run the block; on Ctrl-C ``say`` "interrupted" and exit 130 within the moment."""
    interrupted = False

    def on_sigint(_signum: int, _frame: FrameType | None) -> None:
        nonlocal interrupted
        interrupted = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    except BaseException as exc:
        if interrupted or isinstance(exc, KeyboardInterrupt):
            say("interrupted")
            _leave(INTERRUPTED)
        raise
    finally:
        signal.signal(signal.SIGINT, previous)


def _leave(code: int) -> NoReturn:
    """Exit now: no waiting for worker threads or for jsii's exit handler."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
