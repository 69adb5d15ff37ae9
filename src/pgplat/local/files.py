"""Files only their owner may read (passwords, .env, manifests with secrets), and scratch
directories for throwaway clusters."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` readable by its owner only (created 0600, never wider)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)
    return path


def scratch_dir(prefix: str) -> Path:
    """A new directory for a throwaway cluster: in RAM (``/dev/shm``) where there is one,
    and enterable by the server account (pytest's own temporary directories are private)."""
    shm = Path("/dev/shm")  # noqa: S108 - mkdtemp makes a unique directory in it
    parent = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix=f"pgplat-{prefix}-", dir=parent))
    path.chmod(0o711)
    return path
