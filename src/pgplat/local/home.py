"""Which folders are pgplat's, and where the server account keeps its files.

pgplat deletes only what it created: every folder it makes for a local server holds a
marker file, written when the folder is made and checked before anything in it is deleted.
A configured folder that exists, is not empty and has no marker (``data_dir: "."``, the
project itself) is refused, not adopted.

As root, the server runs as an unprivileged account that may not be able to enter the
project (a clone under ``/root`` or in a ``mktemp -d`` folder, both 0700). pgplat never
widens a folder it did not create, so the server's own files (cluster, socket, log, TLS)
then live in a pgplat-made folder under :data:`SERVER_HOMES`, named in the project by a
pointer file; passwords, state and the marker stay in the project.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from pgplat.errors import UserError
from pgplat.local.account import ServerAccount
from pgplat.local.files import write_private

MARKER = ".pgplat-created"
"""Written into every folder pgplat makes for a local server; its proof of ownership."""
SERVER_HOMES = Path("/var/lib/pgplat")
"""Where the server's files go when the server account cannot enter the project (root)."""
POINTER = "server-home"
"""File in the project's local folder naming its folder under :data:`SERVER_HOMES`."""
BACK_POINTER = "project"
"""File in a folder under :data:`SERVER_HOMES` naming the local folder it serves."""
SERVER_FILES = ("pgdata", "pgdata.adopted", "pgdata.retired", "run", "log", "tls", BACK_POINTER)
"""What a server home holds."""
_LEGACY = ("pgdata/PG_VERSION", "passwords.json")
"""What a local folder made by pgplat before markers existed holds (adopted once)."""


def is_ours(folder: Path) -> bool:
    marker = folder / MARKER
    return marker.is_file() and not marker.is_symlink()


def _mark(folder: Path) -> None:
    """Write the marker: the first entry pgplat puts in a folder it claims, made exclusively
    (a concurrent pgplat that made it first wins, and nothing is written through a link)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        descriptor = os.open(folder / MARKER, flags, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w") as marker:
        marker.write("Made by pgplat dev; `pgplat dev destroy` deletes it.\n")


def claim(folder: Path, mode: int) -> None:
    """Make ``folder`` (``mode``) and mark it, or accept it when it is pgplat's or empty."""
    if folder.is_symlink():
        raise UserError(
            f"{folder} is a symbolic link; pgplat keeps the local server only in a folder of "
            "its own: remove the link, or set environments.local.data_dir to a new folder"
        )
    if not folder.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            folder.mkdir(mode)
            folder.chmod(mode)  # mkdir's mode is narrowed by the umask
        except FileExistsError:
            pass  # a concurrent pgplat made it first: the checks below decide
    if is_ours(folder):
        return
    legacy = all((folder / p).exists() for p in _LEGACY)
    if any(folder.iterdir()) and not legacy and not is_ours(folder):  # again: a racing claim
        raise UserError(
            f"{folder} exists, is not empty and was not made by pgplat (no {MARKER} in it); "
            "set environments.local.data_dir to a new folder inside the project"
        )
    _mark(folder)


def delete_ours(folder: Path, entries: Iterable[str]) -> None:
    """Delete ``entries`` of a pgplat-made ``folder``, then the folder when nothing else is in
    it; refuse in one line when the folder is not pgplat's."""
    if not folder.exists() and not folder.is_symlink():
        return
    if not is_ours(folder):
        raise UserError(
            f"{folder} was not made by pgplat (no {MARKER} in it), so `pgplat dev destroy` "
            "leaves it alone: delete it yourself if it is really the local server's"
        )
    for name in entries:
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    (folder / MARKER).unlink()
    if not any(folder.iterdir()):
        folder.rmdir()


def server_home(root: Path) -> Path:
    """Where the server's files of the local folder ``root`` are: ``root`` itself, or the
    folder its pointer names."""
    pointer = root / POINTER
    if not pointer.is_file() or pointer.is_symlink():
        return root
    home = Path(pointer.read_text().strip())
    if home.parent != SERVER_HOMES:
        raise UserError(
            f"{pointer} names {home}, which is not a folder of {SERVER_HOMES}; "
            "delete the pointer file and run `pgplat dev up` again"
        )
    return home


def place_server_home(root: Path, account: ServerAccount) -> Path:
    """Keep the server's files in ``root`` when the server account can reach it, else in a
    folder of their own under :data:`SERVER_HOMES` (made once, named by a pointer)."""
    home = server_home(root)
    if home == root and account.blocking_folder(root) is None:
        return root
    if home == root:
        digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
        home = SERVER_HOMES / f"local-{digest}"
    if SERVER_HOMES.is_symlink():
        raise UserError(f"{SERVER_HOMES} is a symbolic link; pgplat keeps server files there")
    SERVER_HOMES.mkdir(mode=0o711, parents=True, exist_ok=True)
    _sweep_orphans()
    write_private(root / POINTER, f"{home}\n", mode=0o644)  # first: then no sweep takes it
    claim(home, 0o711)
    account.check_reachable(home)
    write_private(home / BACK_POINTER, f"{root}\n", mode=0o644)
    return home


def _sweep_orphans() -> None:
    """Delete server homes whose project folder is gone (deleted without `dev destroy`) and
    whose server is not running; homes of unknown origin stay."""
    for home in SERVER_HOMES.iterdir():
        back = home / BACK_POINTER
        if not is_ours(home) or not back.is_file() or back.is_symlink():
            continue
        try:
            served = server_home(Path(back.read_text().strip()))
        except UserError:
            continue  # that project's pointer is damaged: its `dev up` says so
        if served != home and not (home / "pgdata" / "postmaster.pid").exists():
            delete_ours(home, SERVER_FILES)


def delete_server_home(root: Path, entries: Iterable[str]) -> None:
    """Delete the server's folder under :data:`SERVER_HOMES`, if ``root`` has one."""
    home = server_home(root)
    if home != root:
        delete_ours(home, entries)
    (root / POINTER).unlink(missing_ok=True)
