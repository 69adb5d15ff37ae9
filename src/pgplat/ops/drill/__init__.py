"""Restore drills: prove that backups restore, on demand and on a schedule.

``prepare`` reads the source and decides the plan, ``Drill.run`` restores a tagged temporary
copy, validates it with the configured suite and always deletes it, returning a
``DrillReport``. The scheduled AWS Backup restore test runs the same suite from
``pgplat.ops.drill.handler``. ``find_orphans``/``delete_orphans`` clean up after killed drills.
"""

from pgplat.ops.drill.cleanup import delete_orphans, find_orphans
from pgplat.ops.drill.plan import DrillOptions, prepare
from pgplat.ops.drill.report import DrillReport
from pgplat.ops.drill.runner import Drill, DrillPlan
from pgplat.ops.drill.validation import SuiteResult, run_suite

__all__ = [
    "Drill",
    "DrillOptions",
    "DrillPlan",
    "DrillReport",
    "SuiteResult",
    "delete_orphans",
    "find_orphans",
    "prepare",
    "run_suite",
]
