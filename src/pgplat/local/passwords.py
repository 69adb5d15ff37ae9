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


def _stored(path: Path, fresh: bool) -> dict[str, str]:
    """The saved passwords; a missing or damaged file is started afresh only when no server
    knows them yet (``fresh``)."""
    if fresh and not path.exists():
        return {}
    try:
        stored = json.loads(path.read_text())
    except FileNotFoundError:
        problem = "is missing"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = f"is not valid JSON ({exc})"
    else:
        if isinstance(stored, dict) and all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in stored.items()
        ):
            return stored
        problem = "is not an object of user names to password strings"
    if fresh:
        return {}
    raise UserError(
        f"{path} {problem}; it holds the passwords of the existing local server: restore it "
        "from a backup, or start over with `pgplat dev destroy -y` then `pgplat dev up`"
    )


def load_passwords(path: Path, users: Iterable[str], *, fresh: bool = True) -> dict[str, str]:
    """Passwords of the superuser and ``users``, generating (and saving) missing ones.

    ``fresh=False`` says a server already holds the saved ones: then a missing or damaged
    file is explained in one line instead of being replaced by passwords nobody knows.
    """
    stored = _stored(path, fresh)
    wanted = [SUPERUSER, *users]
    missing = [u for u in wanted if u not in stored]
    if missing:
        stored.update({u: secrets.token_urlsafe(24) for u in missing})
        write_private(path, json.dumps(stored, indent=2, sort_keys=True) + "\n")
    return {u: stored[u] for u in wanted}
