"""Counters an application can export (Prometheus, StatsD, logs): how often we connected,
refreshed credentials, saw a failover and retried."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields


@dataclass
class Counters:
    """Monotonic, thread-safe counters; read them with `snapshot()`."""

    connects: int = 0
    """Connections opened successfully."""
    credential_refreshes: int = 0
    """Credentials obtained from their source (Secrets Manager, STS + token signing)."""
    failovers: int = 0
    """Failover signals handled: connection loss, admin shutdown, read-only writer."""
    retries: int = 0
    """Connection attempts and transactions retried after a failover signal."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "_lock"}


metrics = Counters()
"""The process-wide counters every connection and pool of this package updates."""
