"""Ctrl-C ends the `pgplat` command at once, in one line.

Ctrl-C reaches the CDK's Node process (jsii) as well as pgplat, so what surfaces in Python is
often not a ``KeyboardInterrupt`` but a broken jsii channel, and threads still waiting for a
child (cdk-nag) would hold the exit for seconds. Once SIGINT has arrived, whatever is raised
therefore means "interrupted": the line is printed and the process leaves with 130 without
waiting for threads or exit handlers. Children started through :mod:`pgplat.processes` die
with it.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from pgplat.collector import end_process

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
            say("interrupted")  # no waiting for worker threads or for jsii's exit handler
            end_process(INTERRUPTED, exit_handlers=False)
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
