"""Per-machine passwords of the local cluster: generated once, kept in a 0600 file beside the
data, never printed unless asked (``pgplat dev url --show-password``)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from pathlib import Path

from pgplat.local.files import write_private

SUPERUSER = "postgres"


def load_passwords(path: Path, users: Iterable[str]) -> dict[str, str]:
    """Passwords of the superuser and ``users``, generating (and saving) missing ones."""
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted = [SUPERUSER, *users]
    missing = [u for u in wanted if u not in stored]
    if missing:
        stored.update({u: secrets.token_urlsafe(24) for u in missing})
        write_private(path, json.dumps(stored, indent=2, sort_keys=True) + "\n")
    return {u: stored[u] for u in wanted}
