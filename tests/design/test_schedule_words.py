"""Schedules as people say them: `cron(0 6 ? * SAT *)` is "Saturdays 06:00 UTC"."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat.config.windows import DAYS, schedule_words

AWS_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("cron(0 6 ? * SAT *)", "Saturdays 06:00 UTC"),
        ("cron(30 3 ? * MON-FRI *)", "Mondays to Fridays 03:30 UTC"),
        ("cron(5 22 ? * 1,4 *)", "Wednesdays, Sundays 22:05 UTC"),
        ("cron(0 4 ? * FRI-MON *)", "Mondays, Fridays to Sundays 04:00 UTC"),
        ("cron(0 1 * * ? *)", "daily 01:00 UTC"),
        ("cron(0 2 ? * * *)", "daily 02:00 UTC"),
        ("cron(15 7 1 * ? *)", "day 1 of each month 07:15 UTC"),
    ],
)
def test_words(expression: str, words: str) -> None:
    assert schedule_words(expression) == words


def days_named(words: str) -> set[str]:
    """The days a description names, read back: "Mondays, Fridays to Sundays" -> mon, fri-sun."""
    named: set[str] = set()
    for item in words.split(", "):
        first, _, last = item.partition(" to ")
        low, high = DAYS.index(first[:3].lower()), DAYS.index((last or first)[:3].lower())
        named.update(DAYS[low : high + 1])
    return named


@settings(max_examples=40)
@given(st.sets(st.sampled_from(AWS_DAYS), min_size=1), st.integers(0, 23), st.integers(0, 59))
def test_every_weekday_set_names_exactly_its_days(days: set[str], hour: int, minute: int) -> None:
    ordered = [d for d in AWS_DAYS if d in days]
    words = schedule_words(f"cron({minute} {hour} ? * {','.join(ordered)} *)")
    when, clock, zone = words.rsplit(" ", 2)
    assert (clock, zone) == (f"{hour:02d}:{minute:02d}", "UTC")
    if len(days) == 7:
        assert when == "daily"
    else:
        assert days_named(when) == {d.lower() for d in days}
