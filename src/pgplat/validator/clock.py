"""Time as the drill sees it: injectable, so tests run a one-hour wait in microseconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait; a Ctrl-C during the wait raises KeyboardInterrupt here."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
