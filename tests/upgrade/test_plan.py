"""`upgrade plan` from the configuration: the path, its blockers, and the cost of waiting."""

from __future__ import annotations

from datetime import date
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from pgplat.config.calendar import CALENDAR
from pgplat.config.model import PgplatConfig
from pgplat.design.extended_support import (
    HOURS_PER_MONTH,
    billed_instances,
    extended_support_cost,
    instance_vcpus,
)
from pgplat.upgrade.plan import plan_upgrade
from pgplat.upgrade.targets import (
    BLUE_GREEN_MINIMUM_MINOR,
    offered_by_aws,
    targets_from_engine_versions,
)

TODAY = date(2026, 12, 1)


def _with_prod(config: PgplatConfig, **changes: Any) -> PgplatConfig:
    prod = config.environments.prod.model_copy(update=changes)
    envs = config.environments.model_copy(update={"prod": prod})
    return config.model_copy(update={"environments": envs})


def _with_version(config: PgplatConfig, version: str) -> PgplatConfig:
    database = config.database.model_copy(update={"engine_version": version})
    return config.model_copy(update={"database": database})


def _blockers(config: PgplatConfig, to: int) -> dict[str, str]:
    plan = plan_upgrade(config, "prod", to, today=TODAY)
    return {p.check: p.fix for p in plan.blockers}


def test_innovate_is_blocked_by_logical_replication_and_the_target_group(
    innovate: PgplatConfig,
) -> None:
    plan = plan_upgrade(innovate, "prod", 18, today=TODAY)
    assert not plan.ready
    fixes = {p.check: p.fix for p in plan.blockers}
    assert set(fixes) == {"logical-replication", "target-parameter-group"}
    assert "rds.logical_replication: 1" in fixes["logical-replication"]
    assert "environments.prod.parameters" in fixes["logical-replication"]
    assert "`upgrade_to: 18` under environments.prod" in fixes["target-parameter-group"]


def test_logical_replication_and_upgrade_to_clear_the_blockers(innovate: PgplatConfig) -> None:
    ready = _with_prod(innovate, parameters={"rds.logical_replication": 1}, upgrade_to=18)
    plan = plan_upgrade(ready, "prod", 18, today=TODAY)
    assert plan.ready, plan.blockers
    notes = {p.check for p in plan.prerequisites if p.status == "note"}
    assert {"managed-master-password", "ddl-freeze"} <= notes
    assert plan_upgrade(ready, "prod", 17, today=TODAY).blockers[0].check == (
        "target-parameter-group"
    )


@pytest.mark.parametrize("major", sorted(BLUE_GREEN_MINIMUM_MINOR.keys() & CALENDAR.keys()))
def test_a_minor_below_the_blue_green_minimum_is_a_blocker_naming_it(
    innovate: PgplatConfig, major: int
) -> None:
    minimum = BLUE_GREEN_MINIMUM_MINOR[major]
    old = _with_version(innovate, f"{major}.{minimum - 1}")
    fix = _blockers(old, 18)["source-minor"]
    assert f"'{major}.{minimum}'" in fix
    assert "source-minor" not in _blockers(_with_version(innovate, f"{major}.{minimum}"), 18)


@pytest.mark.parametrize("to", [14, 13, 19, 25])
def test_a_target_that_is_not_a_later_offered_major_is_a_blocker(
    innovate: PgplatConfig, to: int
) -> None:
    assert "target-major" in _blockers(innovate, to)


def test_extended_support_is_priced_per_vcpu_of_every_billed_instance(
    innovate: PgplatConfig,
) -> None:
    cost = extended_support_cost(innovate.environments.prod, 14, innovate.region)
    # writer + 2 readers of db.r6g.large (2 vCPU): 6 vCPU at $0.100, then $0.200
    assert cost.monthly_usd_years_1_2 == pytest.approx(6 * 0.100 * HOURS_PER_MONTH)
    assert cost.monthly_usd_year_3 == pytest.approx(2 * cost.monthly_usd_years_1_2)
    assert cost.starts == date(2027, 3, 1)
    assert cost.year_3_starts == date(2029, 3, 1)


def test_multi_az_standbys_are_billed_like_writers(northwind: PgplatConfig) -> None:
    single = _with_prod(northwind, multi_az=False, multi_az_cluster=False)
    standby = _with_prod(northwind, multi_az=True, multi_az_cluster=False)
    cluster = _with_prod(northwind, multi_az=False, multi_az_cluster=True)
    counts = [billed_instances(c.environments.prod) for c in (single, standby, cluster)]
    assert counts == [1, 2, 3]


def test_a_region_outside_the_table_is_priced_at_the_reference_rate_and_says_so(
    innovate: PgplatConfig,
) -> None:
    cost = extended_support_cost(innovate.environments.prod, 14, "eu-central-1")
    assert "us-east-1's rate (eu-central-1 not tabled)" in cost.basis


@given(
    family=st.sampled_from(["r6g", "r7g", "m6g", "t4g"]),
    size=st.sampled_from(["large", "xlarge"]) | st.integers(2, 48).map(lambda n: f"{n}xlarge"),
)
def test_vcpus_follow_the_size_ladder(family: str, size: str) -> None:
    vcpus = instance_vcpus(f"db.{family}.{size}")
    expected = {"large": 2, "xlarge": 4}.get(size) or 4 * int(size.removesuffix("xlarge"))
    assert vcpus == expected


def test_targets_are_read_from_describe_db_engine_versions() -> None:
    response = [
        {"EngineVersion": "14.8", "ValidUpgradeTarget": [{"EngineVersion": "14.9"}]},
        {
            "EngineVersion": "14.19",
            "ValidUpgradeTarget": [
                {"EngineVersion": "14.20", "IsMajorVersionUpgrade": False},
                {"EngineVersion": "16.10", "IsMajorVersionUpgrade": True},
                {"EngineVersion": "17.6", "IsMajorVersionUpgrade": True},
                {"EngineVersion": "17.7", "IsMajorVersionUpgrade": True},
            ],
        },
    ]
    assert targets_from_engine_versions(response, "14.19") == (16, 17)
    assert targets_from_engine_versions(response, "14.3") == ()


def test_targets_from_aws_override_the_table(innovate: PgplatConfig) -> None:
    plan = plan_upgrade(innovate, "prod", 18, today=TODAY, offered=(15, 16, 17))
    assert plan.targets_source == "DescribeDBEngineVersions"
    assert "choose one of 15, 16, 17" in _fixes(plan.blockers)


def _fixes(prerequisites: Any) -> str:
    return " | ".join(p.fix for p in prerequisites)


def test_the_live_call_asks_describe_db_engine_versions_for_the_running_version() -> None:
    """moto has no DescribeDBEngineVersions: botocore's Stubber checks pgplat's request and
    the response against the RDS API model, through the real client and its paginator."""
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    rds = session.client("rds")
    response = {
        "DBEngineVersions": [
            {
                "Engine": "aurora-postgresql",
                "EngineVersion": "14.19",
                "ValidUpgradeTarget": [
                    {"EngineVersion": "14.20", "IsMajorVersionUpgrade": False},
                    {"EngineVersion": "16.10", "IsMajorVersionUpgrade": True},
                    {"EngineVersion": "17.7", "IsMajorVersionUpgrade": True},
                ],
            }
        ]
    }
    with Stubber(rds) as stub:
        stub.add_response(
            "describe_db_engine_versions",
            response,
            {"Engine": "aurora-postgresql", "EngineVersion": "14.19"},
        )
        offered = offered_by_aws(_Session(rds), "aurora", "14.19")
        stub.assert_no_pending_responses()
    assert offered == (16, 17)


class _Session:
    """What offered_by_aws asks of a session: its RDS client (the stubbed one)."""

    def __init__(self, rds: Any) -> None:
        self.rds = rds

    def client(self, name: str) -> Any:
        assert name == "rds"
        return self.rds
