"""Every scheduled job is placed together: the RDS backup and maintenance windows, the daily
AWS Backup job and the restore test never run in business hours or the maintenance window,
and the AWS Backup job never meets the RDS backup window — for every window setting the
configuration accepts."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pgplat.config.errors import ConfigError
from pgplat.config.explain import effective_settings
from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig
from pgplat.config.windows import (
    AWS_BACKUP_START_MINUTES,
    DAYS,
    MINUTES_PER_DAY,
    RESTORE_VALIDATION_HOURS,
    BusinessWeek,
    Schedules,
    WindowError,
    Windows,
    derive_schedules,
    parse_backup_window,
    parse_maintenance_window,
)
from tests.fixtures.examples import INNOVATE

Intervals = list[tuple[int, int]]
WEEK = 7 * MINUTES_PER_DAY


def _span(start: int, length: int) -> Intervals:
    start %= WEEK
    end = start + length
    return [(start, end)] if end <= WEEK else [(start, WEEK), (0, end - WEEK)]


def _daily(hh_mm: str, length: int) -> Intervals:
    hours, minutes = (int(p) for p in hh_mm.split(":"))
    return [
        iv for d in range(7) for iv in _span(d * MINUTES_PER_DAY + hours * 60 + minutes, length)
    ]


def _meet(a: Intervals, b: Intervals) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def _restore_runs(schedules: Schedules, days: list[int], start: int) -> Intervals:
    assert schedules.restore_test_start_window_hours is not None
    length = (schedules.restore_test_start_window_hours + RESTORE_VALIDATION_HOURS) * 60
    return [iv for d in days for iv in _span(d * MINUTES_PER_DAY + start, length)]


def _assert_never_collide(
    schedules: Schedules, week: BusinessWeek, restore: tuple[list[int], int] | None
) -> None:
    busy = list(week.busy)
    b_start, b_len = parse_backup_window(schedules.windows.backup)
    rds_backup = [iv for d in range(7) for iv in _span(d * MINUTES_PER_DAY + b_start, b_len)]
    maintenance = _span(*parse_maintenance_window(schedules.windows.maintenance))
    aws_backup = _daily(schedules.aws_backup_start, AWS_BACKUP_START_MINUTES)
    jobs = {"rds backup": rds_backup, "maintenance": maintenance, "aws backup": aws_backup}
    for name, job in jobs.items():
        assert not _meet(job, busy), f"{name} runs in business hours"
    assert not _meet(aws_backup, rds_backup + maintenance)
    assert not _meet(rds_backup, maintenance)
    if restore is not None:
        runs = _restore_runs(schedules, *restore)
        assert not _meet(runs, busy + maintenance), "restore test in business hours/maintenance"


def test_innovate_aws_backup_job_misses_sunday_maintenance(innovate: PgplatConfig) -> None:
    """Regression: the job started 30 minutes after the backup window (09:30 UTC), inside
    Sunday's maintenance window sun:09:00-sun:10:00."""
    schedules = innovate.schedules("prod")
    assert schedules.windows.maintenance == "sun:09:00-sun:10:00"
    assert schedules.aws_backup_start == "10:00"
    assert schedules.restore_test == "cron(0 6 ? * SAT *)"
    assert schedules.restore_test_start_window_hours == 8
    week = innovate.maintenance.week
    _assert_never_collide(schedules, week, ([5], 6 * 60))


ZONES = st.sampled_from(
    ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney", "Asia/Tokyo"]
)
CLOCK = st.integers(0, 47).map(lambda half: f"{half // 2:02d}:{half % 2 * 30:02d}")


@st.composite
def business_hours(draw: st.DrawFn) -> dict[str, Any]:
    start, end = sorted(draw(st.lists(CLOCK, min_size=2, max_size=2, unique=True)))
    days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True))
    return {"timezone": draw(ZONES), "days": days, "start": start, "end": end}


RESTORE_DAYS = st.one_of(
    st.just("*"),
    st.lists(
        st.sampled_from(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
        min_size=1,
        max_size=3,
        unique=True,
    ).map(",".join),
    st.just("MON-FRI"),
    st.just("FRI-MON"),
)


@st.composite
def restore_schedules(draw: st.DrawFn) -> str:
    hour, minute = draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45]))
    days = draw(RESTORE_DAYS)
    return (
        f"cron({minute} {hour} ? * {days} *)" if days != "*" else f"cron({minute} {hour} * * ? *)"
    )


def _config(hours: dict[str, Any], restore: str) -> PgplatConfig:
    document = yaml.safe_load(INNOVATE.read_text())
    document["maintenance"] = {"business_hours": hours}
    document["environments"]["prod"]["backup"]["restore_test"]["schedule"] = restore
    return parse_config(yaml.safe_dump(document), file="generated.yaml")


def _restore_days(expression: str) -> tuple[list[int], int]:
    """Independent reading of the generated crons: (weekday indexes 0=mon, start minute)."""
    minute, hour, dom, _, dow, _ = expression.removeprefix("cron(").removesuffix(")").split()
    names = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
    if dom == "*" or dow in ("*", "?"):
        days = list(range(7))
    elif "-" in dow:
        first, last = (names.index(d) for d in dow.split("-"))
        days = [d % 7 for d in range(first, first + (last - first) % 7 + 1)]
    else:
        days = [names.index(d) for d in dow.split(",")]
    return days, int(hour) * 60 + int(minute)


def _never_collide_when_accepted(hours: dict[str, Any], restore: str) -> None:
    refusal = None
    try:
        config = _config(hours, restore)
    except ConfigError as refused:  # refusing is fine; it must say where and why
        refusal = refused.message
    event("refused" if refusal is not None else "accepted")
    if refusal is not None:
        reasons = ("business hours", "backup", "maintenance", "restore", "schedule")
        assert any(part in refusal for part in reasons), refusal
        return
    schedules = config.schedules("prod")
    _assert_never_collide(schedules, config.maintenance.week, _restore_days(restore))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hours=business_hours(), restore=restore_schedules())
def test_accepted_configurations_schedule_nothing_that_collides(
    hours: dict[str, Any], restore: str
) -> None:
    _never_collide_when_accepted(hours, restore)


@pytest.mark.fuzz
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hours=business_hours(), restore=restore_schedules())
def test_fuzz_accepted_configurations_schedule_nothing_that_collides(
    hours: dict[str, Any], restore: str
) -> None:
    _never_collide_when_accepted(hours, restore)


def test_a_restore_test_in_business_hours_is_refused_with_the_field() -> None:
    with pytest.raises(ConfigError) as info:
        _config(
            {"timezone": "UTC", "days": list(DAYS), "start": "08:00", "end": "18:00"},
            "cron(0 12 ? * MON *)",
        )
    assert info.value.path[-3:] == ("backup", "restore_test", "schedule")
    assert "business hours" in info.value.message


@pytest.mark.parametrize("expression", ["rate(7 days)", "cron(0 6 ? * 2#1 *)", "cron(0 6 ? * 9 *)"])
def test_a_restore_schedule_pgplat_cannot_place_is_refused(expression: str) -> None:
    week = BusinessWeek.build("UTC", ["mon"], "08:00", "18:00", 2026)
    with pytest.raises(WindowError) as info:
        derive_schedules(week, Windows("02:00-03:00", "sun:04:00-sun:05:00"), expression)
    assert info.value.field == "schedule"
    assert "cron(M H ? * DAYS *)" in str(info.value)


def test_explain_shows_every_schedule(innovate: PgplatConfig) -> None:
    rows = {s.path: s.value for s in effective_settings(innovate)}
    assert rows["derived.prod.aws_backup_start_utc"] == "10:00"
    assert rows["derived.prod.restore_test_schedule_utc"] == "cron(0 6 ? * SAT *)"
    assert rows["derived.prod.restore_test_start_window_hours"] == 8
    assert rows["derived.backup_window_utc"] == "08:00-09:00"
    assert "derived.dev.restore_test_schedule_utc" not in rows


def test_business_hours_without_room_for_the_default_restore_test_are_refused() -> None:
    """Four quiet hours a day hold the backup and maintenance windows and the AWS Backup job,
    but not a restore test (at least 1 h start window + 4 h validation)."""
    hours = {"timezone": "UTC", "days": list(DAYS), "start": "03:00", "end": "23:00"}
    document = yaml.safe_load(INNOVATE.read_text())
    document["maintenance"] = {"business_hours": hours}
    del document["environments"]["prod"]["backup"]["restore_test"]["schedule"]
    with pytest.raises(ConfigError) as info:
        parse_config(yaml.safe_dump(document), file="generated.yaml")
    assert info.value.path == ("maintenance", "business_hours")
    assert "restore test" in info.value.message
