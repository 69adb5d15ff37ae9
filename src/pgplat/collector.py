"""Memory management for pgplat's short-lived processes.

A pgplat command (and a cfn-lint worker) imports libraries that allocate millions of objects
which live until the process exits: the CDK's generated modules, cfn-lint's rules. With the
default thresholds the collector walks them hundreds of times while they load (about half a
second of a synthesis) and frees almost nothing. Collecting after 200,000 allocations instead
of 700 keeps that to a handful of passes. At the end, tearing those objects down one by one
took the interpreter 1.3 s after a synthesis had finished: the process ends without it, once
its output is flushed and its exit handlers have run. mypy does both the same way.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from contextlib import suppress
from typing import NoReturn

THRESHOLDS = (200_000, 30, 30)
"""Allocations before a young collection, and young (then middle) collections before an
older one."""


def tune_for_short_lived_process() -> None:
    """Collect rarely: call first thing in a process's entry point."""
    gc.set_threshold(*THRESHOLDS)


def end_process(code: int, *, exit_handlers: bool = True) -> NoReturn:
    """End the process with ``code``: output flushed and (unless told not to) exit handlers
    run (jsii stops its Node process and removes its files), but no teardown of every object."""
    if exit_handlers:
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe (`pgplat … | head`) loses nothing
            stream.flush()
    os._exit(code)
