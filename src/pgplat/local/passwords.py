"""Per-machine passwords of the local cluster: generated once, kept in a 0600 file beside the
data, never printed unless asked (``pgplat dev url --show-password``)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from pathlib import Path

from pgplat.errors import UserError
from pgplat.local.files import write_private

SUPERUSER = "postgres"


def _stored(path: Path, replace_damaged: bool) -> dict[str, str]:
    """The saved passwords; a damaged file is started afresh only when nothing uses it yet."""
    try:
        stored = json.loads(path.read_text()) if path.exists() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = f"is not valid JSON ({exc})"
    else:
        if isinstance(stored, dict) and all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in stored.items()
        ):
            return stored
        problem = "is not an object of user names to password strings"
    if replace_damaged:
        return {}
    raise UserError(
        f"{path} {problem}; it holds the passwords of the existing local server: restore it "
        "from a backup, or start over with `pgplat dev destroy -y` then `pgplat dev up`"
    )


def load_passwords(
    path: Path, users: Iterable[str], *, replace_damaged: bool = False
) -> dict[str, str]:
    """Passwords of the superuser and ``users``, generating (and saving) missing ones.

    ``replace_damaged`` is for a cluster not created yet: no server knows the old ones.
    """
    stored = _stored(path, replace_damaged)
    wanted = [SUPERUSER, *users]
    missing = [u for u in wanted if u not in stored]
    if missing:
        stored.update({u: secrets.token_urlsafe(24) for u in missing})
        write_private(path, json.dumps(stored, indent=2, sort_keys=True) + "\n")
    return {u: stored[u] for u in wanted}
