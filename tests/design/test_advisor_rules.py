"""The plan's rules at their boundaries: each rule flips exactly at its threshold."""

from __future__ import annotations

from typing import Any

import pytest

from pgplat.design.advisor import (
    LABELS,
    RULES,
    Option,
    WorkloadProfile,
    advise,
    auto_scaling,
    fast_failover,
    high_read_traffic,
    storage_limit,
)
from pgplat.design.prices import PriceTable

LIGHT: dict[str, Any] = {
    "reads": 200,
    "writes": 50,
    "data_gib": 100,
    "horizon_months": 0,
}


def profile(**changes: Any) -> WorkloadProfile:
    return WorkloadProfile(**{**LIGHT, **changes})


@pytest.mark.parametrize(
    ("rule", "changes", "favours_aurora"),
    [
        (high_read_traffic, {"reads": 4999, "read_heavy": False}, False),
        (high_read_traffic, {"reads": 5000, "read_heavy": False}, True),
        (high_read_traffic, {"reads": 999, "read_heavy": True}, False),
        (high_read_traffic, {"reads": 1000, "read_heavy": True}, True),
        # read-heavy derived from the mix: reads >= 4 x writes
        (high_read_traffic, {"reads": 1000, "writes": 250}, True),
        (high_read_traffic, {"reads": 1000, "writes": 251}, False),
        (auto_scaling, {"peak_to_average": 2.99}, False),
        (auto_scaling, {"peak_to_average": 3.0}, True),
        (fast_failover, {"availability": 99.95}, False),
        (fast_failover, {"availability": 99.96}, True),
        (storage_limit, {"data_gib": 65536}, False),
        (storage_limit, {"data_gib": 65536.5}, True),
        (
            storage_limit,
            {"data_gib": 59536, "growth_gib": 500, "horizon_months": 12},
            False,
        ),
        (
            storage_limit,
            {"data_gib": 59536, "growth_gib": 500, "horizon_months": 13},
            True,
        ),
    ],
)
def test_rule_boundaries(rule: Any, changes: dict[str, Any], favours_aurora: bool) -> None:
    verdict = rule(profile(**changes))
    assert verdict.favours_aurora is favours_aurora
    assert verdict.reason


@pytest.mark.parametrize(
    ("changes", "recommendation"),
    [
        ({}, "rds-multi-az"),
        ({"reads": 6000, "writes": 100}, "aurora-standard"),
        ({"availability": 99.99}, "aurora-standard"),
        ({"peak_to_average": 4}, "aurora-serverless-v2"),
        # spiky wins over the other Aurora reasons: capacity follows the load
        ({"peak_to_average": 4, "availability": 99.99}, "aurora-serverless-v2"),
        # write-heavy and fast failover: I/O-Optimized is the cheaper Aurora
        ({"writes": 300, "availability": 99.99}, "aurora-io-optimized"),
    ],
)
def test_recommendation(prices: PriceTable, changes: dict[str, Any], recommendation: str) -> None:
    assert advise(profile(**changes), prices, "us-east-1").recommendation == recommendation


@pytest.mark.parametrize(
    ("writes", "recommendation"), [(220, "aurora-standard"), (221, "aurora-io-optimized")]
)
def test_io_optimized_when_it_is_the_cheaper_aurora(
    prices: PriceTable, writes: float, recommendation: str
) -> None:
    """With db.r6g.large, the bills cross where I/O is about a quarter of Standard's bill."""
    advice = advise(profile(writes=writes, availability=99.99), prices, "us-east-1")
    standard = advice.estimate("aurora-standard").monthly
    optimized = advice.estimate("aurora-io-optimized").monthly
    assert advice.recommendation == recommendation
    assert (optimized < standard) is (recommendation == "aurora-io-optimized")
    aurora: tuple[Option, Option] = ("aurora-standard", "aurora-io-optimized")
    other = next(o for o in aurora if o != recommendation)
    assert f"{LABELS[advice.recommendation]} costs $" in advice.reasons[-1]
    assert advice.reasons[-1].endswith(f"for {LABELS[other]}")


def test_rds_advice_explains_every_rule_and_the_cost(prices: PriceTable) -> None:
    advice = advise(profile(), prices, "us-east-1")
    assert advice.reasons[0] == "light/medium workload"
    assert len(advice.verdicts) == len(RULES)
    assert all(v.reason in advice.reasons for v in advice.verdicts)
    assert any("RDS Multi-AZ costs $" in r for r in advice.reasons)


def test_aurora_advice_names_only_the_rules_that_fired(prices: PriceTable) -> None:
    advice = advise(profile(availability=99.99), prices, "us-east-1")
    assert advice.reasons[0].startswith("availability target 99.99% is above")
    assert not any("light/medium" in r for r in advice.reasons)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reads", -1),
        ("data_gib", 0),
        ("availability", 100),
        ("peak_to_average", 0.5),
        ("horizon_months", 61),
    ],
)
def test_profile_rejects_impossible_values(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        profile(**{field: value})
