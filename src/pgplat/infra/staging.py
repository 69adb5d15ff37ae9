"""Cloud assemblies replaced whole: written elsewhere, then moved into place.

The CDK writes an assembly file by file. Written straight into ``cdk.out/<env>``, an
interrupted synthesis would leave some templates of the new configuration beside others of
the old one, and a later run could take that mixture for either. Each environment is
therefore synthesized into a folder of its own below ``cdk.out/.synthesizing`` (one level
deeper than assemblies are looked for, so nothing reads it) and renamed over the previous
assembly once complete: an interrupted run leaves the previous assembly, or none.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

STAGING = ".synthesizing"


@contextmanager
def staging_area(outdir: Path) -> Iterator[Path]:
    """A folder below ``outdir`` to synthesize into, for one synthesis at a time; whatever a
    killed run left there is removed first, and whatever this run leaves, after."""
    outdir.mkdir(parents=True, exist_ok=True)
    stage = outdir / STAGING
    with FileLock(str(stage) + ".lock"):
        _remove(stage)
        stage.mkdir()
        try:
            yield stage
        finally:
            _remove(stage)


def move_into_place(staged: Path, target: Path) -> None:
    """Replace the folder ``target`` with ``staged`` (a folder in the same staging area)."""
    if target.is_symlink() or target.exists():
        previous = Path(tempfile.mkdtemp(prefix="previous-", dir=staged.parent))
        os.replace(target, previous / target.name)
    os.replace(staged, target)


def _remove(stage: Path) -> None:
    """Delete the staging folder (never a link put in its place: that is unlinked)."""
    if stage.is_symlink():
        stage.unlink()
    elif stage.exists():
        shutil.rmtree(stage)
