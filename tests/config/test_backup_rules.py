"""Further backup rules and Vault Lock: a configuration validates exactly when AWS Backup
would accept every job into the locked vault, and a refusal names each retention at fault."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat.config.errors import ConfigError
from pgplat.config.loader import parse_config
from tests.fixtures.examples import INNOVATE

BASE: dict[str, Any] = yaml.safe_load(INNOVATE.read_text())


def _parse(backup: dict[str, Any]) -> Any:
    data = copy.deepcopy(BASE)
    data["environments"]["prod"]["backup"] |= backup
    return parse_config(yaml.safe_dump(data, sort_keys=False), "pgplat.yaml")


def _problems(backup: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        _parse(backup)
    return [str(p) for p in info.value.problems]


_DAYS = st.integers(1, 4000)


@settings(max_examples=40, deadline=None)
@given(
    daily=st.integers(1, 35),
    rules=st.lists(_DAYS, max_size=3),
    copy_days=st.integers(1, 3650),
    low=_DAYS,
    high=st.none() | _DAYS,
)
def test_the_lock_accepts_exactly_the_retentions_within_its_bounds(
    daily: int, rules: list[int], copy_days: int, low: int, high: int | None
) -> None:
    lock: dict[str, Any] = {"min_retention_days": low}
    if high is not None:
        lock["max_retention_days"] = high
    backup = {
        "retention_days": daily,
        "cross_region_copy": {"region": "us-west-2", "retention_days": copy_days},
        "rules": [
            {"name": f"r{i}", "every": "week", "retention_days": d} for i, d in enumerate(rules)
        ],
        "vault_lock": lock,
    }
    if high is not None and high < low:
        assert any("below min_retention_days" in p for p in _problems(backup))
        return
    top = high or 36500
    outside = [d for d in (daily, *rules, copy_days) if not low <= d <= top]
    if not outside:
        config = _parse(backup)
        assert config.environments.prod.backup.vault_lock.min_retention_days == low
        return
    [problem] = _problems(backup)
    assert "environments.prod.backup.vault_lock" in problem
    for days in outside:
        assert f"({days} days)" in problem


def test_a_refusal_names_where_each_retention_is_set() -> None:
    [problem] = _problems(
        {
            "retention_days": 7,
            "rules": [{"name": "monthly", "every": "month", "retention_days": 4000}],
            "vault_lock": {
                "mode": "compliance",
                "min_retention_days": 14,
                "max_retention_days": 3650,
            },
        }
    )
    assert "retention_days (7 days)" in problem
    assert "rules[0].retention_days (4000 days)" in problem
    assert "14-3650 days" in problem


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        ([{"name": "Daily", "every": "week", "retention_days": 30}], "daily"),
        (
            [
                {"name": "weekly", "every": "week", "retention_days": 30},
                {"name": "Weekly", "every": "month", "retention_days": 90},
            ],
            "weekly",
        ),
    ],
)
def test_rule_names_are_unique_and_leave_daily_to_the_daily_rule(
    rules: list[dict[str, Any]], fragment: str
) -> None:
    [problem] = _problems({"rules": rules})
    assert "must be unique" in problem
    assert fragment in problem


def test_compliance_mode_needs_three_days_of_cooling_off() -> None:
    [problem] = _problems(
        {"vault_lock": {"mode": "compliance", "min_retention_days": 7, "changeable_for_days": 1}}
    )
    assert "changeable_for_days" in problem
