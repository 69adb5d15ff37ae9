"""Per-machine passwords of the local cluster: generated once, kept in a 0600 file beside the
data, never printed unless asked (``pgplat dev url --show-password``)."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

SUPERUSER = "postgres"


def load_passwords(path: Path, users: Iterable[str]) -> dict[str, str]:
    """Passwords of the superuser and ``users``, generating (and saving) missing ones."""
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted = [SUPERUSER, *users]
    missing = [u for u in wanted if u not in stored]
    if missing:
        stored.update({u: secrets.token_urlsafe(24) for u in missing})
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(stored, handle, indent=2, sort_keys=True)
        path.chmod(0o600)
    return {u: stored[u] for u in wanted}
