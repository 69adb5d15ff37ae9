"""`pgplat advise` in every region, with old prices called old, the configuration as the
default workload, and reasons that never cite a higher price as a reason to pay it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgplat.config.model import PgplatConfig, ServerlessV2
from pgplat.design.advisor import (
    LABELS,
    MAX_PRICE_AGE_DAYS,
    Advice,
    WorkloadProfile,
    advise,
    configured_workload,
)
from pgplat.design.prices import load_prices
from tests.fixtures.configs import REGION_ZONES, configurations

FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""For `make fuzz`."""
SHIPPED = load_prices()
SHIPPED_DATE = date(2025, 1, 1)
LIGHT = WorkloadProfile(reads=200, writes=50, data_gib=100, horizon_months=0)

profiles = st.builds(
    WorkloadProfile,
    reads=st.floats(0, 60_000),
    writes=st.floats(0, 10_000),
    data_gib=st.floats(1, 80_000),
    growth_gib=st.floats(0, 500),
    connections=st.integers(1, 5000),
    availability=st.floats(99, 99.999),
    peak_to_average=st.floats(1, 8),
    horizon_months=st.integers(0, 36),
)

_CHEAPER = re.compile(
    r"^(?:.*: )?(?P<chosen>[\w/ -]+?) costs \$(?P<price>[\d,.]+)/month against "
    r"\$(?P<other>[\d,.]+) for (?P<alternative>[\w/ -]+)$"
)


def dollars(text: str) -> float:
    return float(text.replace(",", ""))


def assert_no_reason_argues_for_the_dearer(advice: Advice) -> None:
    """A reason that names a price is one shape: the choice costs less than an alternative."""
    for reason in advice.reasons:
        if "$" not in reason:
            continue
        found = _CHEAPER.match(reason)
        assert found is not None, reason
        assert found["chosen"] == LABELS[advice.recommendation], reason
        assert found["alternative"] in LABELS.values(), reason
        assert dollars(found["price"]) <= dollars(found["other"]), reason
        assert found["price"] == f"{advice.estimate(advice.recommendation).monthly:,.2f}"
    chosen = advice.estimate(advice.recommendation).monthly
    passed_over = any(e.monthly < chosen for e in advice.estimates)
    assert bool(advice.tradeoffs) is passed_over  # a cheaper option passed over is said so


def _priced_honestly(profile: WorkloadProfile) -> None:
    assert_no_reason_argues_for_the_dearer(
        advise(profile, SHIPPED, "us-east-1", today=SHIPPED_DATE)
    )


def _configured_honestly(config: PgplatConfig) -> None:
    profile = WorkloadProfile(**configured_workload(config.environments.prod))
    advice = advise(profile, SHIPPED, config.region, today=SHIPPED_DATE)
    assert_no_reason_argues_for_the_dearer(advice)
    assert advice.reasons


test_no_reason_cites_a_higher_price_for_any_workload = FEW(given(profiles)(_priced_honestly))
test_no_reason_cites_a_higher_price_for_any_configuration = FEW(
    given(configurations())(_configured_honestly)
)
test_fuzz_no_reason_cites_a_higher_price_for_any_workload = pytest.mark.fuzz(
    MANY(given(profiles)(_priced_honestly))
)
test_fuzz_no_reason_cites_a_higher_price_for_any_configuration = pytest.mark.fuzz(
    MANY(given(configurations())(_configured_honestly))
)


def test_cheaper_aurora_is_a_tradeoff_not_a_reason_for_rds() -> None:
    """A tiny workload: Serverless v2 at 0.5 ACU undercuts RDS's smallest class, and the rules
    still say RDS (simplest): the price is stated as what RDS costs extra, not as a reason."""
    tiny = WorkloadProfile(reads=1, writes=1, data_gib=1, connections=1, horizon_months=0)
    advice = advise(tiny, SHIPPED, "us-east-1", today=SHIPPED_DATE)
    assert advice.recommendation == "rds-multi-az"
    serverless = advice.estimate("aurora-serverless-v2").monthly
    assert serverless < advice.estimate("rds-multi-az").monthly
    assert not any("$" in reason for reason in advice.reasons)
    assert any(f"${serverless:,.2f}" in t for t in advice.tradeoffs)


@pytest.mark.parametrize("region", sorted(set(REGION_ZONES) - {"us-east-1"}))
def test_a_region_without_prices_gets_the_rules_and_us_east_1_costs(region: str) -> None:
    advice = advise(LIGHT, SHIPPED, region, today=SHIPPED_DATE)
    assert advice.region == region
    assert advice.priced_region == "us-east-1"
    assert advice.verdicts
    assert advice.estimates
    [note] = advice.notes
    assert f"no prices for {region}" in note
    assert "us-east-1's" in note
    assert f"--refresh-prices --region {region}" in note


def test_a_table_with_neither_region_gives_the_rules_alone() -> None:
    only_frankfurt = SHIPPED.model_copy(
        update={"regions": {"eu-central-1": SHIPPED.regions["us-east-1"]}}
    )
    advice = advise(LIGHT, only_frankfurt, "sa-east-1", today=SHIPPED_DATE)
    assert advice.priced_region is None
    assert advice.estimates == ()
    assert advice.recommendation == "rds-multi-az"
    assert advice.reasons
    assert "no prices" in advice.notes[0]
    aurora = advise(LIGHT.model_copy(update={"availability": 99.99}), only_frankfurt, "sa-east-1")
    assert aurora.engine == "aurora"


@pytest.mark.parametrize(
    ("age", "warned"), [(MAX_PRICE_AGE_DAYS, False), (MAX_PRICE_AGE_DAYS + 1, True)]
)
def test_old_prices_are_called_old(age: int, warned: bool) -> None:
    advice = advise(LIGHT, SHIPPED, "us-east-1", today=SHIPPED_DATE + timedelta(days=age))
    assert bool(advice.warnings) is warned
    assert advice.notes == ()
    if warned:
        [warning] = advice.warnings
        assert f"from 2025-01-01, more than {MAX_PRICE_AGE_DAYS} days ago" in warning
        assert "pgplat advise --refresh-prices --region us-east-1" in warning


def test_the_configuration_is_the_default_workload(innovate: PgplatConfig) -> None:
    """innovate's prod: db.r6g.large (2 vCPU), 2 readers, reader scaling 2-5: the load that fills
    three instances at 60% CPU at a 2x peak, read-heavy by its readers."""
    workload = configured_workload(innovate.environments.prod)
    assert workload["peak_to_average"] == pytest.approx(6 / 3)
    # writer: half reads, half writes; each reader: reads only; 0.6 x 2 vCPU / 2 at average
    assert workload["reads"] == pytest.approx((0.5 + 2) * 0.6 * 2 / 2 * 2000)
    assert workload["writes"] == pytest.approx(0.5 * 0.6 * 2 / 2 * 500)
    assert workload["data_gib"] == innovate.environments.prod.storage.allocated_gib
    advice = advise(WorkloadProfile(**workload), SHIPPED, innovate.region)
    assert advice.engine == "aurora"  # readers make it read-heavy, as configured


def test_serverless_capacity_range_is_the_peak(innovate: PgplatConfig) -> None:
    prod = innovate.environments.prod.model_copy(
        update={
            "instance_class": "db.serverless",
            "reader_autoscaling": None,
            "serverless_v2": ServerlessV2(min_acu=1, max_acu=8),
        }
    )
    workload = configured_workload(prod)
    assert workload["peak_to_average"] == pytest.approx(8)
