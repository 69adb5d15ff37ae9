"""Configuration injection for local development: a ``.env`` with the names of the prod
ConfigMap, private to its owner (0600) and kept out of git."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from pgplat.config.model import PgplatConfig
from pgplat.local.files import write_private
from pgplat.local.passwords import SUPERUSER

_PLAIN = re.compile(r"[A-Za-z0-9_./:@+-]*")


def app_user(config: PgplatConfig) -> str:
    """The user an application connects as by default: the first read-write user."""
    users = config.database.users
    chosen = next((u for u in users if u.access == "read-write"), users[0] if users else None)
    return chosen.name if chosen else SUPERUSER


def migration_user(config: PgplatConfig) -> str:
    """The user seeds and migrations run as, as they would in production: the first owner
    (the level that runs DDL), else the superuser standing in for the master user, since a
    read-write user may not create tables."""
    owner = next((u.name for u in config.database.users if u.access == "owner"), None)
    return owner or SUPERUSER


def _dotenv_value(value: str) -> str:
    """``value`` as python-dotenv (which the client reads ``.env`` with) reads it back.

    Plain values stay bare. Others are double-quoted with python-dotenv's escapes for
    ``\\``, ``"``, newline and carriage return: its single quotes (``set_key``'s format)
    cannot hold a carriage return, which reading the file as text turns into a newline.
    python-dotenv expands ``${NAME}`` even inside quotes and has no escape for ``$``, so a
    literal ``${`` is written ``${:-$}{``: the empty name is never set, and expands to its
    default, ``$``.
    """
    if _PLAIN.fullmatch(value):
        return value
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("${", "${:-$}{")
    )
    return f'"{escaped}"'


def write_env_file(
    path: Path, variables: Mapping[str, str], *, receipt: Path | None = None
) -> Path:
    """Write ``variables`` to ``path`` as a private dotenv file, unless it already holds
    exactly that; ``receipt`` records what was written, for `remove_env_file`."""
    body = "".join(f"{name}={_dotenv_value(value)}\n" for name, value in variables.items())
    header = "# Written by pgplat dev for the local server. Holds a password: never commit.\n"
    text = header + body
    if not _holds(path, text):
        write_private(path, text)
    if receipt is not None:
        write_private(receipt, _digest(text.encode()) + "\n")
    return path


def remove_env_file(path: Path, receipt: Path) -> bool:
    """Delete ``path`` (and ``receipt``) when it is still, byte for byte, what pgplat wrote:
    `pgplat dev destroy` takes the dead password away, never a file the developer edited."""
    try:
        recorded = receipt.read_text().strip()
    except FileNotFoundError:
        return False
    if path.is_symlink() or not path.is_file() or _digest(path.read_bytes()) != recorded:
        return False
    path.unlink()
    receipt.unlink()
    return True


def _holds(path: Path, text: str) -> bool:
    """Whether ``path`` is a private regular file holding ``text`` already."""
    if path.is_symlink() or not path.is_file():
        return False
    return (path.stat().st_mode & 0o777) == 0o600 and path.read_text() == text


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _covered(entry: str, present: set[str]) -> bool:
    """Whether ``entry`` or a directory above it is already listed."""
    parts = entry.rstrip("/").split("/")
    return any("/".join(parts[:i]) in present for i in range(1, len(parts) + 1))


def ensure_gitignored(project_dir: Path, entries: Iterable[str]) -> list[str]:
    """Add ``entries`` missing from ``project_dir/.gitignore``; return the ones added.

    Entries outside the project (absolute paths, ``..``) are not the project's to ignore.
    """
    gitignore = project_dir / ".gitignore"
    text = gitignore.read_text() if gitignore.exists() and not gitignore.is_symlink() else ""
    present = {line.strip().rstrip("/") for line in text.splitlines()}
    inside = [e for e in entries if not Path(e).is_absolute() and ".." not in Path(e).parts]
    added = [e for e in inside if not _covered(e, present)]
    if added:
        prefix = "" if not text or text.endswith("\n") else "\n"
        mode = gitignore.stat().st_mode & 0o777 if gitignore.exists() else 0o644
        write_private(
            gitignore,
            text + prefix + "# pgplat dev: local secrets and data\n" + "\n".join(added) + "\n",
            mode=mode,
            within=project_dir,
        )
    return added
