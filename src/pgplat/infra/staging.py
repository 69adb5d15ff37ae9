"""Cloud assemblies replaced whole: written elsewhere, then moved into place.

The CDK writes an assembly file by file. Written straight into ``cdk.out/<env>``, an
interrupted synthesis would leave some templates of the new configuration beside others of
the old one, and a later run could take that mixture for either. Each environment is
therefore synthesized into a folder of its own below ``cdk.out/.synthesizing`` (one level
deeper than assemblies are looked for, so nothing reads it) and renamed over the previous
assembly once complete: an interrupted run leaves the previous assembly, or none.

A folder that cannot be written (read-only, full, not ours) is said in one line before the
CDK starts, or as soon as a write fails, instead of an ``OSError`` or the CDK's
``RuntimeError`` ("ENOENT … mkdir").
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from pgplat.errors import UserError

STAGING = ".synthesizing"
_WRITE_FAILURES = {
    "EROFS": "the file system is read-only",
    "ENOSPC": "the disk is full",
    "EDQUOT": "the disk quota is used up",
    "EACCES": "permission denied",
    "EPERM": "not permitted",
}
"""Why a write fails that the user can fix, by errno name (as Node reports them too)."""


@contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Run a block that writes below ``folder``; a write that fails for a reason the user
    can fix ends it with one line saying what could not be written, and why."""
    try:
        yield
    except OSError as exc:
        code = errno.errorcode.get(exc.errno or 0, "")
        if code not in _WRITE_FAILURES:
            raise
        raise _unwritable(Path(exc.filename or folder), code, folder) from None
    except RuntimeError as exc:  # through jsii: "EROFS: read-only …" (Node), "[Errno 28] …"
        code = next((c for c in _WRITE_FAILURES if _names(str(exc), c)), "")
        if not code:
            raise
        raise _unwritable(folder, code, folder) from None


def _names(message: str, code: str) -> bool:
    """Whether a message relayed by jsii reports ``code``, in Node's words or Python's."""
    return f"{code}:" in message or f"[Errno {getattr(errno, code)}]" in message


def _unwritable(path: Path, code: str, folder: Path) -> UserError:
    return UserError(
        f"cannot write {path}: {_WRITE_FAILURES[code]} ({code}); make {folder} writable or "
        "free space there, or put the project's files elsewhere with --project-dir"
    )


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
