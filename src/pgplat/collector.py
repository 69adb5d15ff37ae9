"""Python's cyclic garbage collector, tuned for pgplat's processes.

A pgplat command (and a cfn-lint worker) imports libraries that allocate millions of objects
which live until the process exits: the CDK's generated modules, cfn-lint's rules. With the
default thresholds the collector walks them hundreds of times while they load (about half a
second of a synthesis) and frees almost nothing. Collecting after 200,000 allocations instead
of 700 keeps that to a handful of passes; mypy tunes its collector the same way.
"""

from __future__ import annotations

import gc

THRESHOLDS = (200_000, 30, 30)
"""Allocations before a young collection, and young (then middle) collections before an
older one."""


def tune_for_short_lived_process() -> None:
    """Collect rarely: call first thing in a process's entry point."""
    gc.set_threshold(*THRESHOLDS)
