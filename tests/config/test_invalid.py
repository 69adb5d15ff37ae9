"""Invalid configurations: each names the exact field path, the line, and how to fix it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from pgplat.config.errors import ConfigError, dotted
from pgplat.config.loader import parse_config
from tests.fixtures.examples import INNOVATE

BASE: dict[str, Any] = yaml.safe_load(INNOVATE.read_text())


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    """Set (or, with value ``...``, delete) the item at a dotted path like ``a.b[0].c``."""
    parts: list[str | int] = []
    for piece in path.split("."):
        name, _, rest = piece.partition("[")
        parts.append(name)
        if rest:
            parts.append(int(rest.rstrip("]")))
    target: Any = data
    for part in parts[:-1]:
        target = target[part]
    if value is ...:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value


def _error(mutations: dict[str, Any]) -> ConfigError:
    data = copy.deepcopy(BASE)
    for path, value in mutations.items():
        _set(data, path, value)
    text = yaml.safe_dump(data, sort_keys=False)
    with pytest.raises(ConfigError) as info:
        parse_config(text, "pgplat.yaml")
    return info.value


CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # (case id, mutations, expected field path, expected message fragment)
    ("short account id", {"accounts.data": "12345"}, "accounts.data", "exactly 12 digits"),
    ("numeric account id", {"accounts.app": 222222222222}, "accounts.app", "put it in quotes"),
    ("same data and app", {"accounts.app": "111111111111"}, "accounts.app", "different accounts"),
    (
        "nonprod is data",
        {"accounts.nonprod": "111111111111"},
        "accounts.nonprod",
        "its own account",
    ),
    (
        "bad org id",
        {"accounts.organization_id": "org-1"},
        "accounts.organization_id",
        "o-a1b2c3d4e5",
    ),
    ("dev without nonprod", {"accounts.nonprod": ...}, "accounts.nonprod", "add accounts.nonprod"),
    (
        "public cidr",
        {"environments.prod.network.vpc_cidr": "8.8.0.0/16"},
        "environments.prod.network.vpc_cidr",
        "not a private range",
    ),
    (
        "host bits cidr",
        {"environments.prod.network.vpc_cidr": "10.20.0.1/16"},
        "environments.prod.network.vpc_cidr",
        "not a network CIDR",
    ),
    (
        "cidr too large",
        {"environments.prod.network.vpc_cidr": "10.0.0.0/8"},
        "environments.prod.network.vpc_cidr",
        "between /16 and /28",
    ),
    (
        "app overlaps data",
        {"environments.prod.network.app_vpcs[0].cidr": "10.20.128.0/17"},
        "environments.prod.network.app_vpcs[0].cidr",
        "overlaps environments.prod.network.vpc_cidr",
    ),
    (
        "dev overlaps prod",
        {"environments.dev.network.vpc_cidr": "10.10.0.0/16"},
        "environments.dev.network.vpc_cidr",
        "prod and dev never share address space",
    ),
    (
        "az outside region",
        {"availability_zones": ["us-east-1a", "eu-west-1b", "us-east-1c"]},
        "availability_zones[1]",
        "not in region us-east-1",
    ),
    (
        "az twice",
        {"availability_zones": ["us-east-1a", "us-east-1a", "us-east-1b"]},
        "availability_zones",
        "listed twice",
    ),
    (
        "too few azs for max_azs",
        {"availability_zones": ["us-east-1a", "us-east-1b"]},
        "environments.prod.network.max_azs",
        "only 2 availability_zones",
    ),
    (
        "retention too long",
        {"environments.prod.backup.retention_days": 40},
        "environments.prod.backup.retention_days",
        "less than or equal to 35",
    ),
    (
        "retention zero",
        {"environments.prod.backup.retention_days": 0},
        "environments.prod.backup.retention_days",
        "greater than or equal to 1",
    ),
    (
        "aurora micro class",
        {"environments.prod.instance_class": "db.t3.micro"},
        "environments.prod.instance_class",
        "not offered for Aurora PostgreSQL",
    ),
    (
        "rds class unknown",
        {"environments.dev.instance_class": "m5.large"},
        "environments.dev.instance_class",
        "not a DB instance class",
    ),
    (
        "too many readers",
        {"environments.prod.readers": 16},
        "environments.prod.readers",
        "less than or equal to 15",
    ),
    (
        "unknown major",
        {"database.engine_version": "19.1"},
        "database.engine_version",
        "not offered by RDS/Aurora",
    ),
    (
        "dev runs an earlier major",
        {"environments.dev.engine_version": "13.20"},
        "environments.dev.engine_version",
        "earlier major than database.engine_version",
    ),
    (
        "bad flavor",
        {"environments.prod.flavor": "mysql"},
        "environments.prod.flavor",
        "'aurora' or 'rds'",
    ),
    (
        "unknown key typo",
        {"environments.prod.reader": 2},
        "environments.prod.reader",
        "did you mean 'readers'",
    ),
    (
        "bad timezone",
        {"maintenance.business_hours.timezone": "Mars/Olympus"},
        "maintenance.business_hours.timezone",
        "not an IANA time zone",
    ),
    (
        "business end before start",
        {"maintenance.business_hours.end": "06:00"},
        "maintenance.business_hours",
        "must be after start",
    ),
    (
        "backup in business hours",
        {"maintenance.backup_window": "15:00-16:00"},
        "maintenance.backup_window",
        "falls inside business hours",
    ),
    (
        "maintenance overlaps backup",
        {
            "maintenance.backup_window": "08:00-09:00",
            "maintenance.maintenance_window": "sun:08:30-sun:09:30",
        },
        "maintenance.maintenance_window",
        "overlaps the backup window",
    ),
    (
        "always open business",
        {
            "maintenance.business_hours": {
                "timezone": "UTC",
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "start": "00:00",
                "end": "23:59",
            }
        },
        "maintenance.business_hours",
        "no daily hour free for backups",
    ),
    ("missing required tag", {"tags": {"owner": "x"}}, "tags", "cost-center"),
    ("duplicate user", {"database.users[1].name": "web"}, "database.users", "repeated: web"),
    ("reserved user", {"database.users[0].name": "postgres"}, "database.users[0].name", "reserved"),
    (
        "bad k8s name",
        {"database.users[0].kubernetes.namespace": "Web_NS"},
        "database.users[0].kubernetes.namespace",
        "pattern",
    ),
    (
        "serverless on rds",
        {"environments.dev.serverless_v2": {"min_acu": 0.5, "max_acu": 2}},
        "environments.dev.serverless_v2",
        "Aurora option",
    ),
    (
        "irsa without oidc",
        {"environments.prod.eks.identity": "irsa"},
        "environments.prod.eks",
        "needs oidc_provider_url",
    ),
    (
        "copy to same region",
        {"environments.prod.backup.cross_region_copy.region": "us-east-1"},
        "environments.prod.backup.cross_region_copy.region",
        "another region",
    ),
    (
        "bad log retention",
        {"environments.prod.monitoring.log_retention_days": 100},
        "environments.prod.monitoring.log_retention_days",
        "not a CloudWatch Logs retention",
    ),
    (
        "bad email",
        {"environments.prod.monitoring.alarm_emails": ["oncall"]},
        "environments.prod.monitoring.alarm_emails",
        "not an e-mail address",
    ),
    (
        "missing network",
        {"environments.prod.network": ...},
        "environments.prod.network",
        "required field is missing",
    ),
    (
        "bad kms arn",
        {"environments.prod.kms_key_arn": "alias/prod"},
        "environments.prod.kms_key_arn",
        "not a KMS key ARN",
    ),
    ("bad region", {"region": "Virginia"}, "region", "not an AWS region name"),
]


@pytest.mark.parametrize(
    ("mutations", "field", "fragment"),
    [pytest.param(m, f, frag, id=case) for case, m, f, frag in CASES],
)
def test_invalid_config_names_field_and_fix(
    mutations: dict[str, Any], field: str, fragment: str
) -> None:
    error = _error(mutations)
    assert dotted(error.path) == field
    assert fragment in error.message
    assert str(error).startswith("pgplat.yaml:")
    assert "\n" not in str(error)


def test_error_points_at_the_offending_line() -> None:
    text = INNOVATE.read_text().replace("retention_days: 14", "retention_days: 99")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "retention_days: 99" in t)
    with pytest.raises(ConfigError) as info:
        parse_config(text, "innovate.yaml")
    assert info.value.line == line
    assert str(info.value).startswith(f"innovate.yaml:{line}: environments.prod.backup")


def test_duplicate_key_is_an_error_with_its_line() -> None:
    text = INNOVATE.read_text().replace(
        "region: us-east-1\n", "region: us-east-1\nregion: us-west-2\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "x.yaml")
    assert info.value.path == ("region",)
    assert "appears twice" in info.value.message
    assert info.value.line == 7


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("name: x\nregion: [unclosed\n", "x.yaml")
    assert info.value.line is not None
    assert "not valid YAML" in info.value.message


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just a string\n"])
def test_non_mapping_documents_are_rejected(text: str) -> None:
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        parse_config(text, "x.yaml")


def test_all_problems_are_collected() -> None:
    error = _error({"accounts.data": "1", "environments.prod.readers": 99})
    assert {dotted(e.path) for e in [error, *error.more]} == {
        "accounts.data",
        "environments.prod.readers",
    }


def test_business_hours_stay_strings_in_yaml_1_2() -> None:
    """YAML 1.1 would read 18:00 as the number 1080; pgplat reads it as a time."""
    text = INNOVATE.read_text().replace('end: "20:00"', "end: 20:00")
    assert parse_config(text).maintenance.business_hours.end == "20:00"
