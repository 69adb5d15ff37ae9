"""One prerequisite of a major upgrade, checked: what was found and what to do about it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Status = Literal["ok", "note", "warning", "blocker"]
"""``blocker``: the upgrade must not start; ``warning``: it can, at a stated risk;
``note``: what pgplat will do on the user's behalf; ``ok``: checked and fine."""


@dataclass(frozen=True)
class Prerequisite:
    """A checked prerequisite; ``fix`` says what to change when it is not ``ok``."""

    check: str
    """A stable id, e.g. ``source-minor`` or ``tables-without-replica-identity``."""
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def ok(check: str, detail: str) -> Prerequisite:
    return Prerequisite(check, "ok", detail)
