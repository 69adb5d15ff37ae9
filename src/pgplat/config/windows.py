"""Derive RDS backup and maintenance windows (UTC) from business hours in a named time zone.

RDS wants a daily backup window ``hh:mm-hh:mm`` and a weekly maintenance window
``ddd:hh:mm-ddd:hh:mm``, both in UTC, at least 30 minutes long and not overlapping. People
think in local business hours, which move against UTC twice a year, so every offset the zone
uses during the year is checked: a window is valid only if it misses business hours under all.
"""

from __future__ import annotations

import re
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


AWS_BACKUP_START_MINUTES = 60
"""AWS Backup's shortest start window: the daily job starts within this hour of its time."""
RESTORE_VALIDATION_HOURS = 4
"""How long a restored copy is kept for validation (the restore-validation hook) before cleanup."""
RESTORE_START_WINDOW_HOURS = 8
"""The restore test's start window when it fits before business hours (it shrinks to fit)."""
_ON_DAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
"""DAYS in words, as a schedule says them."""
_AWS_DAYS = {"sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7}
_CRON = re.compile(
    r"^cron\((?P<minute>[0-9]{1,2}) (?P<hour>[0-9]{1,2}) (?P<dom>\S+) \S+ (?P<dow>\S+) \S+\)$"
)


@dataclass(frozen=True)
class Schedules:
    """Every scheduled job of a database, placed together (UTC): none runs in business hours
    or the maintenance window, and the AWS Backup job never meets the RDS backup window."""

    windows: Windows
    aws_backup_start: str
    """'HH:MM' daily; the job starts within ``AWS_BACKUP_START_MINUTES`` of it."""
    restore_test: str | None = None
    """The restore-testing plan's schedule expression, as configured."""
    restore_test_start_window_hours: int | None = None
    """As long as fits before business hours or maintenance (at most the default 8)."""


def _every_day(start: int, length: int) -> list[tuple[int, int]]:
    return [iv for d in range(7) for iv in _intervals(d * MINUTES_PER_DAY + start, length)]


def _aws_backup_start(week: BusinessWeek, windows: Windows) -> int:
    """The first half hour after the RDS backup window whose start window misses business
    hours, the RDS backup window and the weekly maintenance window on every day."""
    b_start, b_len = parse_backup_window(windows.backup)
    taken = _every_day(b_start, b_len) + _intervals(*parse_maintenance_window(windows.maintenance))
    for step in range(0, MINUTES_PER_DAY, _STEP):
        start = (b_start + b_len + step) % MINUTES_PER_DAY
        job = _every_day(start, AWS_BACKUP_START_MINUTES)
        if week.is_free(job) and not _overlaps(job, taken):
            return start
    raise WindowError(
        "business_hours",
        "with the backup and maintenance windows they leave no daily hour for the AWS Backup job",
    )


def _cron_weekdays(expression: str) -> tuple[int, list[int]]:
    """(minute of day, weekday indexes 0=mon) a restore-test cron runs at; a day-of-month
    schedule may fall on any weekday. Raises WindowError for forms pgplat cannot place."""
    found = _CRON.match(expression)
    hint = "write it as cron(M H ? * DAYS *) in UTC, e.g. cron(0 6 ? * SAT *)"
    if found is None or int(found["hour"]) > 23 or int(found["minute"]) > 59:
        raise WindowError(
            "schedule", f"{expression!r} cannot be checked against business hours; {hint}"
        )
    start = int(found["hour"]) * 60 + int(found["minute"])
    dow = found["dow"].lower()
    if found["dom"] not in ("?", "*") or dow in ("?", "*"):
        return start, list(range(7))
    days: set[int] = set()
    for item in dow.split(","):
        first, _, last = item.partition("-")
        try:
            low = _aws_day(first)
            high = _aws_day(last) if last else low
        except (KeyError, ValueError):
            raise WindowError(
                "schedule", f"{expression!r}: day {item!r} is not SUN-SAT or 1-7; {hint}"
            ) from None
        days.update(range(low, high + 1) if low <= high else [*range(low, 8), *range(1, high + 1)])
    return start, sorted((d - 2) % 7 for d in days)


def _aws_day(text: str) -> int:
    """AWS cron's day of week: 1 (SUN) to 7 (SAT), by number or name."""
    number = _AWS_DAYS[text] if text in _AWS_DAYS else int(text)
    if not 1 <= number <= 7:
        raise ValueError(text)
    return number


def schedule_words(expression: str) -> str:
    """A restore-test cron as people say it, for pictures and reports: ``cron(0 6 ? * SAT *)``
    is "Saturdays 06:00 UTC". Raises WindowError for forms pgplat cannot place."""
    start, days = _cron_weekdays(expression)
    found = _CRON.match(expression)
    assert found is not None  # _cron_weekdays refused it otherwise
    time = f"{_fmt(start)} UTC"
    if found["dom"] not in ("?", "*"):
        return f"day {found['dom']} of each month {time}"
    if len(days) == len(DAYS):
        return f"daily {time}"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    spans = [
        f"{_ON_DAYS[run[0]]} to {_ON_DAYS[run[-1]]}"
        if len(run) > 2
        else ", ".join(_ON_DAYS[d] for d in run)
        for run in runs
    ]
    return f"{', '.join(spans)} {time}"


def _fitting_hours(week: BusinessWeek, windows: Windows, start: int, days: list[int]) -> int:
    """The longest start window (hours) that, with validation, keeps restore tests starting
    at ``start`` on ``days`` out of business hours and the maintenance window; 0 if none."""
    maintenance = _intervals(*parse_maintenance_window(windows.maintenance))
    for hours in range(RESTORE_START_WINDOW_HOURS, 0, -1):
        length = (hours + RESTORE_VALIDATION_HOURS) * 60
        runs = [iv for d in days for iv in _intervals(d * MINUTES_PER_DAY + start, length)]
        if week.is_free(runs) and not _overlaps(runs, maintenance):
            return hours
    return 0


def _weekly_restore_test(week: BusinessWeek, windows: Windows) -> tuple[str, int]:
    """The default restore test: weekly, from the first half hour after the maintenance
    window (the fresh engine's backups proven soon) with the longest start window."""
    m_start, m_len = parse_maintenance_window(windows.maintenance)
    fits = []
    for step in range(0, MINUTES_PER_WEEK, _STEP):
        start = (m_start + m_len + step) % MINUTES_PER_WEEK
        day, minute = divmod(start, MINUTES_PER_DAY)
        fits.append((_fitting_hours(week, windows, minute, [day]), -step, day, minute))
    hours, _, day, minute = max(fits)
    if hours == 0:
        raise WindowError(
            "business_hours",
            f"they leave no {RESTORE_VALIDATION_HOURS + 1} quiet hours a week for the restore test",
        )
    name = next(n for n, number in _AWS_DAYS.items() if number == (day + 1) % 7 + 1)
    return f"cron({minute % 60} {minute // 60} ? * {name.upper()} *)", hours


def _restore_start_window(week: BusinessWeek, windows: Windows, expression: str) -> int:
    """The configured restore test's longest start window that fits; WindowError if none."""
    start, days = _cron_weekdays(expression)
    hours = _fitting_hours(week, windows, start, days)
    if hours:
        return hours
    raise WindowError(
        "schedule",
        f"{expression} starts restore tests that run (at least 1 h start window + "
        f"{RESTORE_VALIDATION_HOURS} h validation) into business hours or the maintenance "
        f"window {windows.maintenance}; pick a start after the maintenance window on a quiet day",
    )


def derive_schedules(
    week: BusinessWeek, windows: Windows, restore_test: str | None, *, restore: bool = True
) -> Schedules:
    """Place the AWS Backup job and the restore test (``restore_test``, or weekly after the
    maintenance window when None) around the RDS windows; ``restore=False``: no restore test."""
    job = _fmt(_aws_backup_start(week, windows))
    if not restore:
        return Schedules(windows, job)
    if restore_test is None:
        return Schedules(windows, job, *_weekly_restore_test(week, windows))
    return Schedules(windows, job, restore_test, _restore_start_window(week, windows, restore_test))
