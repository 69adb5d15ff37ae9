"""Restore drills: prove that backups restore, on demand and on a schedule.

``prepare`` reads the source and decides the plan, ``Drill.run`` restores a tagged temporary
copy, validates it with the configured suite and always deletes it, returning a
``RestoreReport``; ``run`` does both as the command does, in the drill role's session. The
scheduled AWS Backup restore test runs the same suite from :mod:`pgplat.validator`.
``find_orphans``/``delete_orphans`` clean up after killed drills.
"""

from pgplat.drills.restore.cleanup import delete_orphans, find_orphans
from pgplat.drills.restore.plan import DrillOptions, prepare
from pgplat.drills.restore.report import RestoreReport
from pgplat.drills.restore.runner import Drill, DrillPlan

__all__ = [
    "Drill",
    "DrillOptions",
    "DrillPlan",
    "RestoreReport",
    "delete_orphans",
    "find_orphans",
    "prepare",
]
