"""The cost model against figures worked out by hand from the shipped us-east-1 prices."""

from __future__ import annotations

import pytest

from pgplat.design.advisor import WorkloadProfile, advise, connection_memory_gib, serverless_acu
from pgplat.design.prices import PriceTable

# 200 reads/s, 50 writes/s, 100 GiB, no growth, 100 connections, 7 days of backups.
# Peak CPU: (200 * 1.5 / 2000 + 50 * 1.5 / 500) / 0.6 = 0.5 vCPU -> the smallest classes.
# Daily change: 50 writes/s * 86,400 s * 1 KiB = 4.119873 GiB; 7 days = 28.839111 GiB.
# Storage I/O: (200 * 0.1 + 50 * 1) /s * 2,628,000 s = 183.96 million requests.
LIGHT = WorkloadProfile(reads=200, writes=50, data_gib=100, connections=100, horizon_months=0)

HAND_COMPUTED = {
    "rds-multi-az": [
        232.14,  # 730 h x $0.318 (db.m6g.large Multi-AZ)
        28.75,  # ceil(100 / 0.8) = 125 GB x $0.23
        0.36,  # (100 + 28.839111 - 125 free) GB x $0.095
    ],
    "aurora-standard": [
        379.60,  # 2 x 730 h x $0.26 (db.r6g.large)
        10.00,  # 100 GB x $0.10
        36.79,  # 183.96 M x $0.20
        0.61,  # (100 + 28.839111 - 100 free) GB x $0.021
    ],
    "aurora-io-optimized": [
        493.48,  # 2 x 730 h x $0.338
        22.50,  # 100 GB x $0.225
        0.61,
    ],
    "aurora-serverless-v2": [
        262.80,  # (0.2 / 0.6 / 0.25 = 1.33 -> 1.5 ACU) x 2 x 730 h x $0.12
        10.00,
        36.79,
        0.61,
    ],
}


@pytest.mark.parametrize("option", sorted(HAND_COMPUTED))
def test_light_workload_lines_and_total(prices: PriceTable, option: str) -> None:
    estimate = advise(LIGHT, prices, "us-east-1", backup_retention_days=7).estimate(option)  # type: ignore[arg-type]
    assert [line.monthly for line in estimate.lines] == HAND_COMPUTED[option]
    assert estimate.monthly == pytest.approx(sum(HAND_COMPUTED[option]))


def test_totals_of_the_light_workload(prices: PriceTable) -> None:
    advice = advise(LIGHT, prices, "us-east-1", backup_retention_days=7)
    assert {e.option: e.monthly for e in advice.estimates} == {
        "rds-multi-az": 261.25,
        "aurora-standard": 427.00,
        "aurora-io-optimized": 516.59,
        "aurora-serverless-v2": 310.20,
    }


def test_growth_is_priced_at_the_horizon(prices: PriceTable) -> None:
    grown = LIGHT.model_copy(update={"growth_gib": 10, "horizon_months": 12})
    standard = advise(grown, prices, "us-east-1").estimate("aurora-standard")
    storage = next(line for line in standard.lines if line.item == "cluster storage")
    assert storage.quantity == 220  # 100 + 12 x 10 GiB
    assert storage.monthly == 22.00


@pytest.mark.parametrize(
    ("reads", "rds_class", "aurora_class"),
    [
        (2400, "db.m6g.large", "db.r6g.large"),  # 2400 / 2000 / 0.6 = 2.0 vCPU: fits 2
        (2401, "db.m6g.xlarge", "db.r6g.xlarge"),
    ],
)
def test_cpu_sizing_boundary(
    prices: PriceTable, reads: float, rds_class: str, aurora_class: str
) -> None:
    p = WorkloadProfile(reads=reads, writes=0, data_gib=10, peak_to_average=1)
    advice = advise(p, prices, "us-east-1")
    assert advice.estimate("rds-multi-az").instance_class == rds_class
    assert advice.estimate("aurora-standard").instance_class == aurora_class


def test_connections_size_memory(prices: PriceTable) -> None:
    """2,000 connections / 0.8 x 9,531,392 bytes = 22.19 GiB: 32 GiB classes, 11.5 ACU."""
    p = WorkloadProfile(reads=10, writes=1, data_gib=10, connections=2000)
    assert connection_memory_gib(p) == pytest.approx(22.1921, abs=1e-4)
    advice = advise(p, prices, "us-east-1")
    assert advice.estimate("rds-multi-az").instance_class == "db.m6g.2xlarge"
    assert advice.estimate("aurora-standard").instance_class == "db.r6g.xlarge"
    assert serverless_acu(p) == 11.5


def test_a_load_beyond_the_largest_class_says_so(prices: PriceTable) -> None:
    p = WorkloadProfile(reads=200_000, writes=0, data_gib=10)
    rds = advise(p, prices, "us-east-1").estimate("rds-multi-az")
    assert rds.instance_class == "db.m6g.16xlarge"
    assert "more than db.m6g.16xlarge" in rds.notes[0]


def test_serverless_floor_is_half_an_acu() -> None:
    idle = WorkloadProfile(reads=0, writes=0, data_gib=1, connections=1)
    assert serverless_acu(idle) == 0.5
