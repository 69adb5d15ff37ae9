"""Results of `pgplat check` kept on disk, keyed by everything they were computed from.

A key is the hash of a JSON document naming a result's inputs (a layer's templates, the
configuration it reads, the versions of the checks and linters, the day; or one template for
cfn-lint), so a result is reused only for exactly those inputs and any change to one of them
misses. The store is one JSON file (``cdk.out/pgplat-check-cache.json``) holding the most
recently used entries; concurrent runs merge their entries under a lock, and a missing,
unreadable or foreign file is simply a cache that holds nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pgplat
from pgplat import __version__
from pgplat.infra.record import source_digest
from pgplat.local.files import write_private

CACHE_FILE = "pgplat-check-cache.json"
LIMIT = 64
"""Entries kept: a few syntheses' worth of layers and templates."""
LINTERS = ("cfn-lint", "cdk-nag", "aws-cdk-lib")
"""The distributions whose versions decide what the cfn-lint and cdk-nag layers find."""
_CHECKS = ("policy", "guardrails")
"""The packages of pgplat whose source decides what the layers find (read, not imported:
the guardrails import the configuration's model)."""


def key_of(document: Any) -> str:
    """The hash of a JSON document (its keys sorted), the key of what it describes."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def versions() -> dict[str, str]:
    """The versions that decide what the layers find: pgplat's, with the digest of the
    checks as this process loaded them (this package, with the acknowledgements and the
    ignore list, and the guardrails the isolation proof reads), and each linter's."""
    home = Path(pgplat.__file__).parent
    checks = "+".join([__version__, *(source_digest(home / p)[:16] for p in _CHECKS)])
    return {"pgplat-checks": checks, **linter_versions()}


@functools.cache
def linter_versions() -> dict[str, str]:
    """The installed version of each of :data:`LINTERS`."""
    return {name: version(name) for name in LINTERS}


class ResultCache:
    """Get and put results by key during one run; ``save`` writes the entries used."""

    def __init__(self, path: Path | None, limit: int = LIMIT) -> None:
        """``path``: the cache file (None: nothing is kept); ``limit``: the entries it keeps."""
        self.path = path
        self.limit = limit
        self._stored: dict[str, Any] | None = None
        self._used: dict[str, Any] = {}
        self.reused: set[str] = set()
        """The keys this run found in the file (a report can say what it did not recompute)."""

    def get(self, key: str) -> Any | None:
        if key in self._used:
            return self._used[key]
        found = self._read().get(key)
        if found is not None:
            self._used[key] = found
            self.reused.add(key)
        return found

    def put(self, key: str, value: Any) -> None:
        self._used[key] = value

    def save(self) -> None:
        """Merge this run's entries into the file, most recent last, the oldest dropped. A
        folder that cannot be written (read-only, full, not a folder) keeps nothing: no
        verdict depends on the cache, so the check goes on without it."""
        if self.path is None or not self._used:
            return
        from filelock import FileLock  # only a run that computed something writes

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.path) + ".lock"):
                self._stored = None
                entries = {k: v for k, v in self._read().items() if k not in self._used}
                entries.update(self._used)
                kept = dict(list(entries.items())[-self.limit :])
                write_private(self.path, json.dumps(kept) + "\n", mode=0o644)
        except OSError:
            return

    def _read(self) -> dict[str, Any]:
        if self._stored is None:
            self._stored = {}
            if self.path is not None:
                try:
                    loaded = json.loads(self.path.read_text())
                except (OSError, ValueError):
                    loaded = None
                if isinstance(loaded, dict):
                    self._stored = loaded
        return self._stored
