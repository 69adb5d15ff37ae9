"""Files only their owner may read (passwords, .env, keys, state), and scratch directories
for throwaway clusters.

A private file is replaced atomically (a new file beside it, synced, then renamed over it),
so a crash never leaves half a password file, and it is never written through a symbolic
link: as root, following a planted ``.env -> /etc/shadow`` would overwrite any file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from pgplat.errors import UserError


def _refuse_links(path: Path, within: Path | None) -> None:
    """Fail in one line when ``path`` (or a folder below ``within`` on the way) is a link,
    when it lies outside ``within``, or when something other than a file is in its place."""
    if within is not None:
        base = within.absolute()
        relative = Path(os.path.normpath(path.absolute()))
        if not relative.is_relative_to(base):
            raise UserError(
                f"{path} is outside the project {base}; pgplat writes only below it: "
                "choose a path inside the project"
            )
        for part in reversed(relative.relative_to(base).parents[:-1]):
            refuse_link(base / part)
    refuse_link(path)
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(path.lstat().st_mode):
            raise UserError(
                f"{path} is not a regular file; pgplat keeps a private file there: "
                "move it away and re-run"
            )


def refuse_link(path: Path) -> None:
    """Fail in one line when ``path`` is a symbolic link (pgplat never writes through one)."""
    if path.is_symlink():
        raise UserError(
            f"{path} is a symbolic link (to {os.readlink(path)}); pgplat never writes "
            "through a link: remove it and re-run"
        )


def write_private(
    path: Path,
    data: str | bytes,
    *,
    mode: int = 0o600,
    owner: tuple[int, int] | None = None,
    within: Path | None = None,
) -> Path:
    """Replace ``path`` with ``data`` atomically, created ``mode`` (owner-only by default).

    ``owner`` (uid, gid) gives the file to another account before it appears (the server's
    key); ``within`` is the folder the file must stay in (the project), checked for links.
    """
    _refuse_links(path, within)
    payload = data.encode() if isinstance(data, str) else data
    # mkstemp opens with O_CREAT | O_EXCL | O_NOFOLLOW and mode 0600: a fresh file of ours.
    descriptor, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            if owner is not None:
                os.fchown(handle.fileno(), *owner)
            os.fchmod(handle.fileno(), mode)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(scratch, path)  # renames over a name: even a link planted since is replaced
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(scratch)
        raise
    _sync_folder(path.parent)
    return path


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (the folder's entry, not only the file's bytes)."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def scratch_dir(prefix: str) -> Path:
    """A new directory for a throwaway cluster: in RAM (``/dev/shm``) where there is one,
    and enterable by the server account (pytest's own temporary directories are private)."""
    shm = Path("/dev/shm")  # noqa: S108 - mkdtemp makes a unique directory in it
    parent = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix=f"pgplat-{prefix}-", dir=parent))
    path.chmod(0o711)
    return path
