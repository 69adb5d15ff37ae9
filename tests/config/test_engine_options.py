"""The engine, storage and tag options of an environment, refused where AWS would refuse them:
each refusal is one line naming the field and its fix (issue 26, items 4 and 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat.config.errors import ConfigError
from tests.config.test_aws_constraints import (
    assert_cli_refuses,
    assert_refused,
    problems,
    valid,
)
from tests.fixtures.cli import RunCli

PROD = "environments.prod"
DEV = "environments.dev"  # RDS in the innovate example; prod is Aurora


def _accepted(mutations: dict[str, Any]) -> bool:
    try:
        valid(mutations)
    except ConfigError:
        return False
    return True


@settings(max_examples=10, deadline=None)
@given(port=st.integers(min_value=0, max_value=70000))
def test_a_port_is_taken_exactly_in_rds_range(port: int) -> None:
    assert _accepted({f"{PROD}.port": port}) == (1150 <= port <= 65535)


@settings(max_examples=10, deadline=None)
@given(days=st.integers(min_value=-5, max_value=1100))
def test_a_rotation_interval_is_taken_exactly_from_1_to_1000_days(days: int) -> None:
    assert _accepted({f"{DEV}.secret_rotation_days": days}) == (1 <= days <= 1000)


def test_the_defaults_are_pgplat_admin_5432_standard_storage_and_30_days() -> None:
    prod = valid({}).environments.prod
    assert (prod.master_username, prod.port, prod.secret_rotation_days) == (
        "pgplat_admin",
        5432,
        30,
    )
    assert (prod.aurora_storage_type, prod.monitoring.database_insights) == ("aurora", "standard")


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("1admin", "starting with a letter"),
        ("a" * 64, "1-63"),
        ("db-admin", "letters, digits and '_'"),
        ("user", "SQL reserved word"),
        ("rdsadmin", "reserved"),
        ("rds_ops", "reserved"),
        ("pg_ops", "reserved"),
        ("rds_pgaudit", "reserved"),
    ],
)
def test_reserved_or_malformed_master_usernames_are_refused(name: str, fragment: str) -> None:
    assert_refused({f"{PROD}.master_username": name}, f"{PROD}.master_username", fragment)


def test_postgres_stays_a_master_username_so_existing_databases_keep_theirs() -> None:
    assert valid({f"{PROD}.master_username": "postgres"}).environments.prod.master_username == (
        "postgres"
    )


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("aurora_storage_type", "aurora-iopt1"),
        ("reader_instance_class", "db.r6g.large"),
        ("promotion_tiers", []),
    ],
)
def test_aurora_options_are_refused_on_rds(option: str, value: Any) -> None:
    assert_refused({f"{DEV}.{option}": value}, f"{DEV}.{option}", "Aurora option")


def test_reader_class_and_tiers_fit_the_readers() -> None:
    config = valid(
        {
            f"{PROD}.reader_instance_class": "db.r6g.xlarge",
            f"{PROD}.promotion_tiers": [1, 15],
            f"{PROD}.aurora_storage_type": "aurora-iopt1",
        }
    )
    assert config.environments.prod.promotion_tiers == [1, 15]
    found = problems(
        {
            f"{PROD}.reader_instance_class": "db.t3.micro",
            f"{PROD}.promotion_tiers": [0, 1, 2],
        }
    )
    assert "is not offered" in found[f"{PROD}.reader_instance_class"]
    assert "one tier per reader" in found[f"{PROD}.promotion_tiers"]
    assert_refused({f"{PROD}.promotion_tiers": [0, 16]}, f"{PROD}.promotion_tiers[1]", "15")


def test_serverless_sets_reader_class_and_tiers_itself() -> None:
    found = problems(
        {
            f"{PROD}.serverless_v2": {"min_acu": 0.5, "max_acu": 8},
            f"{PROD}.reader_autoscaling": ...,
            f"{PROD}.reader_instance_class": "db.r6g.xlarge",
            f"{PROD}.promotion_tiers": [1, 2],
        }
    )
    for option in ("reader_instance_class", "promotion_tiers"):
        assert "Serverless v2" in found[f"{PROD}.{option}"], found


@pytest.mark.parametrize(
    "monitoring",
    [
        {"database_insights": "advanced"},
        {"database_insights": "advanced", "performance_insights_retention_days": 372},
        # the CDK refuses advanced with any retention but 15 months (found by the generator)
        {"database_insights": "advanced", "performance_insights_retention_days": 731},
        {
            "database_insights": "advanced",
            "performance_insights": False,
            "performance_insights_retention_days": 731,
        },
    ],
)
def test_advanced_database_insights_needs_15_months_of_performance_insights(
    monitoring: dict[str, Any],
) -> None:
    assert_refused(
        {f"{PROD}.monitoring": monitoring}, f"{PROD}.monitoring.database_insights", "465"
    )


def test_advanced_database_insights_with_15_months_of_retention_is_taken() -> None:
    monitoring = {"database_insights": "advanced", "performance_insights_retention_days": 465}
    assert valid({f"{PROD}.monitoring": monitoring}).environments.prod.monitoring.database_insights


def test_environment_tags_merge_over_the_top_level_and_carry_the_environment() -> None:
    config = valid({f"{PROD}.tags": {"cost-center": "cc-prod", "tier": "critical"}})
    assert config.tags_of("prod") == {
        "owner": "platform-team",
        "cost-center": "cc-prod",
        "project": "innovate",
        "tier": "critical",
        "environment": "prod",
    }
    assert config.tags_of("dev")["cost-center"] == "cc-1234"
    assert config.tags_of("dev")["environment"] == "dev"


def test_a_required_tag_may_come_from_every_environment_but_not_from_one() -> None:
    per_env = {"tags.cost-center": ..., f"{PROD}.tags": {"cost-center": "p"}}
    assert_refused(per_env, "tags", "cost-center")
    config = valid(per_env | {f"{DEV}.tags": {"cost-center": "d"}})
    assert config.tags_of("dev")["cost-center"] == "d"


@pytest.mark.parametrize("where", ["tags", f"{PROD}.tags"])
def test_the_environment_tag_is_pgplats_own(where: str) -> None:
    mutations = {where: {**valid({}).tags, "environment": "x"}} if where == "tags" else {}
    mutations = mutations or {where: {"environment": "x"}}
    assert_refused(mutations, f"{where}.environment", "pgplat sets")


def test_environment_tags_follow_aws_tag_rules() -> None:
    assert_refused({f"{DEV}.tags": {"aws:x": "1"}}, f"{DEV}.tags.aws:x", "reserved for AWS")


def test_cli_refuses_engine_options_one_line_each(run_cli: RunCli, tmp_path: Path) -> None:
    assert_cli_refuses(
        run_cli,
        tmp_path,
        {
            f"{PROD}.port": 80,
            f"{PROD}.master_username": "rdsadmin",
            f"{DEV}.aurora_storage_type": "aurora-iopt1",
            f"{PROD}.secret_rotation_days": 0,
        },
        {
            f"{PROD}.port": "1150",
            f"{PROD}.master_username": "reserved",
            f"{DEV}.aurora_storage_type": "Aurora option",
            f"{PROD}.secret_rotation_days": "1",
        },
    )
