"""One run reports every problem of a file, each on its own FILE:LINE: field: fix line."""

from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat.config.errors import ConfigError, dotted
from pgplat.config.loader import parse_config
from tests.config.test_aws_constraints import problems
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE

# (field path, a fragment of its fix, how the innovate example is changed to cause it)
UNRELATED: list[tuple[str, str, tuple[str, str]]] = [
    ("availability_zones[1]", "write zones like 'us-east-1a'", ("us-east-1b,", "eu-west-1b,")),
    ("accounts.nonprod", "its own account", ('nonprod: "333333333333"', 'nonprod: "111111111111"')),
    (
        "environments.dev.network.vpc_cidr",
        "disjoint CIDRs",
        ("vpc_cidr: 10.40.0.0/16", "vpc_cidr: 10.20.0.0/16"),
    ),
    ("environments.prod.backup.retention_days", "35", ("retention_days: 14", "retention_days: 40")),
    ("tags.aws:project", "reserved for AWS", ("  project: innovate", "  aws:project: innovate")),
    ("database.engine_version", "use 14.6", ('engine_version: "14.19"', 'engine_version: "14.3"')),
    (
        "database.users[1].name",
        "group role",
        ("- name: reporting", "- name: app_readonly"),
    ),
]
MUTATIONS = {field: (fragment, change) for field, fragment, change in UNRELATED}


def _broken(text: str, fields: list[str]) -> str:
    for field in fields:
        old, new = MUTATIONS[field][1]
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_cli_reports_every_problem_with_its_line(run_cli: RunCli, tmp_path: Path) -> None:
    text = _broken(INNOVATE.read_text(), list(MUTATIONS))
    file = tmp_path / "pgplat.yaml"
    file.write_text(text, encoding="utf-8")
    result = run_cli("config", "validate", str(file))
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    lines_of = text.splitlines()
    for field, (fragment, (_, new)) in MUTATIONS.items():
        match = [
            m
            for line in lines
            if (
                m := re.match(
                    rf"error: {re.escape(str(file))}:(\d+): {re.escape(field)}: (.*)$", line
                )
            )
        ]
        assert match, (field, result.stderr)
        number, message = int(match[0].group(1)), match[0].group(2)
        assert fragment in message, message
        assert new.strip().split(":")[0].lstrip("- ") in lines_of[number - 1], (field, number)


def _reports_exactly(fields: set[str]) -> None:
    """However the problems combine, each is reported once and none hides another."""
    text = _broken(INNOVATE.read_text(), sorted(fields))
    with pytest.raises(ConfigError) as info:
        parse_config(text, "x.yaml")
    found = [(dotted(e.path), e.message) for e in [info.value, *info.value.more]]
    assert set(fields) <= {field for field, _ in found}, found
    assert len(found) == len(set(found)), found
    assert {field for field, _ in found} <= set(MUTATIONS), found


@settings(max_examples=25, deadline=None)
@given(st.sets(st.sampled_from(sorted(MUTATIONS)), min_size=1))
def test_any_combination_reports_exactly_its_problems(fields: set[str]) -> None:
    _reports_exactly(fields)


@pytest.mark.fuzz
@pytest.mark.parametrize(
    "fields",
    [set(c) for n in range(1, len(MUTATIONS) + 1) for c in combinations(sorted(MUTATIONS), n)],
)
def test_every_combination_reports_exactly_its_problems(fields: set[str]) -> None:
    """All 127 combinations, under `make fuzz`."""
    _reports_exactly(fields)


def test_problems_helper_sees_all() -> None:
    found = problems(
        {
            "availability_zones": ["us-east-1a", "eu-west-1b", "us-east-1c"],
            "environments.prod.backup.retention_days": 40,
            "environments.dev.network.vpc_cidr": "10.20.0.0/16",
        }
    )
    assert {
        "availability_zones[1]",
        "environments.prod.backup.retention_days",
        "environments.dev.network.vpc_cidr",
    } <= set(found)


def test_errors_carried_beside_cross_field_problems_keep_their_text() -> None:
    """A pattern error reported together with a cross-field one keeps its braces as written."""
    found = problems({"name": "X", "environments.dev.network.vpc_cidr": "10.20.0.0/16"})
    assert "{1,30}" in found["name"], found["name"]
    assert "{{" not in found["name"]
    assert "environments.dev.network.vpc_cidr" in found


def test_a_broken_field_is_not_replaced_by_its_default_in_cross_field_rules() -> None:
    """The salvage leaves broken fields out; no rule may judge the default in their place."""
    found = problems(
        {
            "environments.prod.flavor": "postgres",  # an RDS class: Aurora's default would refuse it
            "environments.prod.instance_class": "db.m6g.large",
            "environments.prod.reader_autoscaling": ...,
            "database.engine_version": "19.1",
            "environments.dev.engine_version": "14.19",  # 17, the default, would be another major
        }
    )
    assert set(found) == {"environments.prod.flavor", "database.engine_version"}, found
    found = problems(
        {
            "accounts.nonprod": "111111111111",
            "environments.dev.kms_key_arn": "arn:aws:kms:us-east-1:111111111111:key/"
            "1234abcd-12ab-34cd-56ef-1234567890ab",
        }
    )
    assert set(found) == {"accounts.nonprod"}, found
