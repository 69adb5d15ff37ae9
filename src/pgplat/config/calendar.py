"""Support calendar of PostgreSQL majors: community end of life and RDS/Aurora standard support.

The dates are published by the PostgreSQL project (versioning policy) and by AWS (RDS and
Aurora PostgreSQL release calendars). They change rarely; bump ``CALENDAR_AS_OF`` when they do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Flavor = Literal["aurora", "rds"]

CALENDAR_AS_OF = date(2026, 11, 1)
WARNING_HORIZON = timedelta(days=183)


@dataclass(frozen=True)
class MajorSupport:
    """Support dates of one PostgreSQL major; ``None`` where the flavor does not offer it."""

    major: int
    community_eol: date
    rds_standard_support_end: date | None
    aurora_standard_support_end: date | None

    def standard_support_end(self, flavor: Flavor) -> date | None:
        return (
            self.aurora_standard_support_end
            if flavor == "aurora"
            else self.rds_standard_support_end
        )


CALENDAR: dict[int, MajorSupport] = {
    s.major: s
    for s in (
        MajorSupport(13, date(2025, 11, 13), date(2026, 2, 28), date(2026, 2, 28)),
        MajorSupport(14, date(2026, 11, 12), date(2027, 2, 28), date(2027, 2, 28)),
        MajorSupport(15, date(2027, 11, 11), date(2028, 2, 29), date(2028, 2, 29)),
        MajorSupport(16, date(2028, 11, 9), date(2029, 2, 28), date(2029, 2, 28)),
        MajorSupport(17, date(2029, 11, 8), date(2030, 2, 28), date(2030, 2, 28)),
        MajorSupport(18, date(2030, 11, 14), date(2031, 2, 28), date(2031, 2, 28)),
    )
}


def supported_majors(flavor: Flavor, today: date) -> list[int]:
    """Majors the flavor still offers under standard support on ``today``."""
    return [
        m
        for m, s in sorted(CALENDAR.items())
        if (end := s.standard_support_end(flavor)) is not None and end > today
    ]


def recommended_major(flavor: Flavor, today: date) -> int:
    """The newest major under standard support: the upgrade target to name in warnings."""
    return max(supported_majors(flavor, today))


def support_warnings(major: int, flavor: Flavor, today: date) -> list[str]:
    """Human warnings for a major that is past, or within six months of, an end-of-support date."""
    support = CALENDAR[major]
    target = recommended_major(flavor, today)
    advice = f"plan a major upgrade to PostgreSQL {target} (blue/green deployment)"
    warnings: list[str] = []
    checks: list[tuple[str, date | None]] = [
        ("community end of life", support.community_eol),
        (
            f"{'Aurora' if flavor == 'aurora' else 'RDS'} end of standard support",
            support.standard_support_end(flavor),
        ),
    ]
    for label, end in checks:
        if end is None:
            continue
        if end <= today:
            warnings.append(f"PostgreSQL {major} reached {label} on {end.isoformat()}; {advice}")
        elif end - today <= WARNING_HORIZON:
            warnings.append(
                f"PostgreSQL {major} reaches {label} on {end.isoformat()} "
                f"({(end - today).days} days); {advice}"
            )
    return warnings
