"""Derive RDS backup and maintenance windows (UTC) from business hours in a named time zone.

RDS wants a daily backup window ``hh:mm-hh:mm`` and a weekly maintenance window
``ddd:hh:mm-ddd:hh:mm``, both in UTC, at least 30 minutes long and not overlapping. People
think in local business hours, which move against UTC twice a year, so every offset the zone
uses during the year is checked: a window is valid only if it misses business hours under all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
WINDOW_MINUTES = 60
_STEP = 30


class WindowError(ValueError):
    """A window cannot be placed, or a given one breaks a rule; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Windows:
    """The windows RDS is given, in its own notation, all UTC."""

    backup: str
    maintenance: str


def _offsets_minutes(zone: ZoneInfo, year: int) -> list[int]:
    """Every UTC offset the zone uses in ``year`` (one, or two with daylight saving)."""
    offsets = set()
    for month in range(1, 13):
        offset = datetime(year, month, 15, 12, tzinfo=zone).utcoffset()
        assert offset is not None
        offsets.add(int(offset.total_seconds() // 60))
    return sorted(offsets)


def _intervals(start: int, length: int) -> list[tuple[int, int]]:
    """A week-minute interval, split in two where it wraps past Sunday midnight."""
    start %= MINUTES_PER_WEEK
    end = start + length
    if end <= MINUTES_PER_WEEK:
        return [(start, end)]
    return [(start, MINUTES_PER_WEEK), (0, end - MINUTES_PER_WEEK)]


def _overlaps(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def _to_minutes(hh_mm: str) -> int:
    hours, minutes = hh_mm.split(":")
    return int(hours) * 60 + int(minutes)


def _fmt(minute_of_day: int) -> str:
    minute_of_day %= MINUTES_PER_DAY
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


@dataclass(frozen=True)
class BusinessWeek:
    """Business hours as UTC week-minute intervals under every offset of the zone."""

    busy: tuple[tuple[int, int], ...]
    standard_offset: int

    @classmethod
    def build(cls, timezone: str, days: list[str], start: str, end: str, year: int) -> BusinessWeek:
        zone = ZoneInfo(timezone)
        offsets = _offsets_minutes(zone, year)
        begin, finish = _to_minutes(start), _to_minutes(end)
        busy: list[tuple[int, int]] = []
        for day in days:
            local_start = DAYS.index(day) * MINUTES_PER_DAY + begin
            for offset in offsets:
                busy.extend(_intervals(local_start - offset, finish - begin))
        return cls(tuple(busy), min(offsets))

    def is_free(self, intervals: list[tuple[int, int]]) -> bool:
        return not _overlaps(intervals, list(self.busy))

    def local_minute(self, utc_week_minute: int) -> int:
        return (utc_week_minute + self.standard_offset) % MINUTES_PER_WEEK


def _daily(start: int) -> list[tuple[int, int]]:
    return [
        iv for day in range(7) for iv in _intervals(day * MINUTES_PER_DAY + start, WINDOW_MINUTES)
    ]


def parse_backup_window(text: str) -> tuple[int, int]:
    """``'03:00-04:00'`` to (start minute of day, length); raises WindowError."""
    try:
        first, second = text.split("-")
        start, end = _to_minutes(first), _to_minutes(second)
    except ValueError:
        raise WindowError(
            "backup_window", f"{text!r} is not a backup window; write 'HH:MM-HH:MM' in UTC"
        ) from None
    length = (end - start) % MINUTES_PER_DAY
    if length < 30:
        raise WindowError("backup_window", f"{text!r} is shorter than 30 minutes (RDS minimum)")
    return start, length


def parse_maintenance_window(text: str) -> tuple[int, int]:
    """``'sun:04:00-sun:05:00'`` to (start week minute, length); raises WindowError."""
    try:
        first, second = text.lower().split("-")
        (d1, t1), (d2, t2) = first.split(":", 1), second.split(":", 1)
        start = DAYS.index(d1) * MINUTES_PER_DAY + _to_minutes(t1)
        end = DAYS.index(d2) * MINUTES_PER_DAY + _to_minutes(t2)
    except ValueError:
        raise WindowError(
            "maintenance_window",
            f"{text!r} is not a maintenance window; write 'ddd:HH:MM-ddd:HH:MM' in UTC",
        ) from None
    length = (end - start) % MINUTES_PER_WEEK
    if length < 30:
        raise WindowError(
            "maintenance_window", f"{text!r} is shorter than 30 minutes (RDS minimum)"
        )
    return start, length


def _fmt_maintenance(start: int, length: int) -> str:
    end = (start + length) % MINUTES_PER_WEEK
    return (
        f"{DAYS[start // MINUTES_PER_DAY]}:{_fmt(start)}-{DAYS[end // MINUTES_PER_DAY]}:{_fmt(end)}"
    )


def derive_windows(
    week: BusinessWeek,
    business_days: list[str],
    backup_window: str | None = None,
    maintenance_window: str | None = None,
) -> Windows:
    """Place (or check the given) windows outside business hours, never overlapping.

    Backups go near 03:00 local time; maintenance near 04:00 local on the first day of the week
    without business hours (Sunday for a Monday-to-Friday business), else on Sunday.
    """
    if backup_window is not None:
        b_start, b_len = parse_backup_window(backup_window)
        backup = [iv for d in range(7) for iv in _intervals(d * MINUTES_PER_DAY + b_start, b_len)]
        if not week.is_free(backup):
            raise WindowError("backup_window", f"{backup_window} falls inside business hours")
        backup_text = backup_window
    else:
        candidates = [s for s in range(0, MINUTES_PER_DAY, _STEP) if week.is_free(_daily(s))]
        if not candidates:
            raise WindowError("business_hours", "they leave no daily hour free for backups")
        target = 3 * 60
        b_start = min(
            candidates, key=lambda s: abs(week.local_minute(s) % MINUTES_PER_DAY - target)
        )
        backup = _daily(b_start)
        backup_text = f"{_fmt(b_start)}-{_fmt(b_start + WINDOW_MINUTES)}"

    if maintenance_window is not None:
        m_start, m_len = parse_maintenance_window(maintenance_window)
        maint = _intervals(m_start, m_len)
        if not week.is_free(maint):
            raise WindowError(
                "maintenance_window", f"{maintenance_window} falls inside business hours"
            )
        if _overlaps(maint, backup):
            raise WindowError(
                "maintenance_window",
                f"{maintenance_window} overlaps the backup window {backup_text}",
            )
        return Windows(backup_text, maintenance_window.lower())

    quiet_days = [d for d in ("sun", "sat", *DAYS) if d not in business_days]
    preferred = DAYS.index(quiet_days[0] if quiet_days else "sun")
    target = preferred * MINUTES_PER_DAY + 4 * 60
    options = [
        m
        for m in range(0, MINUTES_PER_WEEK, _STEP)
        if week.is_free(_intervals(m, WINDOW_MINUTES))
        and not _overlaps(_intervals(m, WINDOW_MINUTES), backup)
    ]
    if not options:
        raise WindowError(
            "business_hours", "with the backup window they leave no hour for maintenance"
        )

    def distance(m: int) -> int:
        gap = abs(week.local_minute(m) - target)
        return min(gap, MINUTES_PER_WEEK - gap)

    m_start = min(options, key=distance)
    return Windows(backup_text, _fmt_maintenance(m_start, WINDOW_MINUTES))
