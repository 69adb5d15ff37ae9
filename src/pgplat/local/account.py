"""The operating-system account the local server runs as.

PostgreSQL refuses to run as root, and containers and CI run as root. Then the server runs
as the unprivileged system account ``pgplat`` (created on first use, ``nobody`` where
accounts cannot be created), owning only its data, socket, log and key files.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pgplat.errors import UserError
from pgplat.local.files import refuse_link

SYSTEM_ACCOUNT = "pgplat"


@dataclass(frozen=True)
class ServerAccount:
    """Who owns the server's files and runs its processes."""

    name: str
    uid: int
    gid: int

    @classmethod
    def caller(cls) -> ServerAccount:
        """The account running this process."""
        return cls(pwd.getpwuid(os.geteuid()).pw_name, os.geteuid(), os.getegid())

    @property
    def is_switched(self) -> bool:
        """True when the server runs as another account than the caller (caller is root)."""
        return self.uid != os.geteuid()

    def run(self, args: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        """Run a server tool as this account, capturing text output."""
        if self.is_switched:
            # From "/": the caller's folder may be one this account cannot enter.
            kwargs.update(user=self.uid, group=self.gid, extra_groups=[], cwd="/")
        return subprocess.run(  # type: ignore[call-overload, no-any-return]
            list(args), capture_output=True, text=True, check=False, **kwargs
        )

    def own(self, path: Path, mode: int) -> None:
        """Give ``path`` to this account with ``mode``."""
        if self.is_switched:
            os.chown(path, self.uid, self.gid)
        path.chmod(mode)

    def make_dir(self, path: Path) -> Path:
        """A private directory of this account (created if missing, never through a link)."""
        refuse_link(path)
        path.mkdir(parents=True, exist_ok=True)
        self.own(path, 0o700)
        return path

    @property
    def owner(self) -> tuple[int, int] | None:
        """(uid, gid) to give the server's files to, None when the caller is this account."""
        return (self.uid, self.gid) if self.is_switched else None

    def blocking_folder(self, path: Path) -> Path | None:
        """The first folder above ``path`` (or ``path`` itself) this account cannot traverse."""
        if not self.is_switched:
            return None
        for folder in (path.resolve(), *path.resolve().parents):
            if not folder.exists():
                continue
            info = folder.stat()
            if info.st_uid == self.uid:
                allowed = info.st_mode & stat.S_IXUSR
            elif info.st_gid == self.gid:
                allowed = info.st_mode & stat.S_IXGRP
            else:
                allowed = info.st_mode & stat.S_IXOTH
            if not allowed:
                return folder
        return None

    def check_reachable(self, path: Path) -> None:
        """Fail clearly when this account cannot traverse the directories down to ``path``."""
        blocking = self.blocking_folder(path)
        if blocking is not None:
            mode = stat.filemode(blocking.stat().st_mode)
            raise UserError(
                f"the server account '{self.name}' cannot enter {blocking} (mode {mode}); "
                "put environments.local.data_dir somewhere it can reach, or run pgplat as a "
                "regular user"
            )


def _lookup(name: str) -> ServerAccount | None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return ServerAccount(entry.pw_name, entry.pw_uid, entry.pw_gid)


def server_account() -> ServerAccount:
    """The caller itself, or (for root) the unprivileged ``pgplat`` system account."""
    if os.geteuid() != 0:
        return ServerAccount.caller()
    account = _lookup(SYSTEM_ACCOUNT)
    if account is None and shutil.which("useradd"):
        subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_ACCOUNT,
            ],
            capture_output=True,
            check=False,
        )  # a concurrent pgplat may have created it first: look it up either way
        account = _lookup(SYSTEM_ACCOUNT)
    if account is None:
        nobody = pwd.getpwnam("nobody")
        return ServerAccount("nobody", nobody.pw_uid, grp.getgrnam("nogroup").gr_gid)
    return account
