"""Configurations AWS or PostgreSQL would refuse are refused by `pgplat config validate` first.

Each class of refusal is checked in-process over several cases (exact field path, a fix in
the message) and once through the real command (exit 2, every case of the class on its own
``FILE:LINE: field: message`` line, since validation reports every problem at once).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pgplat.config.engines import nearest_version, supported_versions
from pgplat.config.errors import ConfigError, dotted
from pgplat.config.extensions import extensions_for
from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig, Storage
from pgplat.config.types import parse_engine_version
from tests.config.test_invalid import BASE, _set
from tests.fixtures.cli import RunCli

NORTHWIND_KEY = "arn:aws:kms:eu-central-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PROD_KEY = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _text(mutations: dict[str, Any]) -> str:
    data = copy.deepcopy(BASE)
    for path, value in mutations.items():
        _set(data, path, value)
    return yaml.safe_dump(data, sort_keys=False)


def problems(mutations: dict[str, Any]) -> dict[str, str]:
    """Every problem of the mutated innovate example: field path -> its messages, joined."""
    with pytest.raises(ConfigError) as info:
        parse_config(_text(mutations), "pgplat.yaml")
    found: dict[str, str] = {}
    for error in [info.value, *info.value.more]:
        field = dotted(error.path)
        found[field] = f"{found[field]} | {error.message}" if field in found else error.message
    return found


def valid(mutations: dict[str, Any]) -> PgplatConfig:
    return parse_config(_text(mutations), "pgplat.yaml")


def assert_refused(mutations: dict[str, Any], field: str, *fragments: str) -> None:
    found = problems(mutations)
    assert field in found, found
    for fragment in fragments:
        assert fragment in found[field], found[field]


def assert_cli_refuses(
    run_cli: RunCli, tmp_path: Path, mutations: dict[str, Any], expected: dict[str, str]
) -> None:
    """One run of the real command reports every expected field with its fix, and exits 2."""
    file = tmp_path / "pgplat.yaml"
    file.write_text(_text(mutations), encoding="utf-8")
    result = run_cli("config", "validate", str(file))
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    for field, fragment in expected.items():
        pattern = re.compile(
            rf"^error: {re.escape(str(file))}:\d+: {re.escape(field)}: .*{re.escape(fragment)}"
        )
        assert any(pattern.match(line) for line in lines), (field, result.stderr)
    assert "Traceback" not in result.stderr


# --- 1. engine versions and instance classes (cfn-lint's data) ------------------------------


@pytest.mark.parametrize(
    ("mutations", "field", "nearest"),
    [
        ({"database.engine_version": "14.3"}, "database.engine_version", "use 14.6"),
        ({"database.engine_version": "14.15"}, "database.engine_version", "use 14.17"),
        (
            {"environments.dev.engine_version": "14.3"},
            "environments.dev.engine_version",
            "use 14.18",
        ),
        (
            {"environments.dev.engine_version": "14.99"},
            "environments.dev.engine_version",
            "use 14.24",
        ),
    ],
)
def test_deprecated_minor_names_the_nearest_supported(
    mutations: dict[str, Any], field: str, nearest: str
) -> None:
    assert_refused(mutations, field, "does not offer", nearest)


def test_flavors_have_their_own_version_lists() -> None:
    """16.8 is still offered by Aurora, not by RDS: the same version, two verdicts."""
    assert "16.8" in supported_versions("aurora")
    assert "16.8" not in supported_versions("rds")
    found = problems({"database.engine_version": "16.8", "environments.dev.engine_version": "16.8"})
    assert "RDS for PostgreSQL does not offer 16.8" in found["environments.dev.engine_version"]
    assert "database.engine_version" not in found  # prod is Aurora, which has 16.8


@given(
    flavor=st.sampled_from(["aurora", "rds"]),
    major=st.integers(min_value=13, max_value=18),
    minor=st.integers(min_value=0, max_value=40),
)
def test_nearest_version_is_offered_and_of_the_same_major(
    flavor: Any, major: int, minor: int
) -> None:
    nearest = nearest_version(flavor, f"{major}.{minor}")
    offered = supported_versions(flavor)
    if nearest is None:
        assert all(parse_engine_version(v)[0] != major for v in offered)
    else:
        assert nearest in offered
        assert parse_engine_version(nearest)[0] == major


@pytest.mark.parametrize(
    ("mutations", "field", "fragment"),
    [
        (
            {"environments.prod.instance_class": "db.t3.micro"},
            "environments.prod.instance_class",
            "not offered",
        ),
        (
            {"environments.prod.instance_class": "db.m6g.large"},
            "environments.prod.instance_class",
            "Aurora",
        ),
        (
            {"environments.dev.instance_class": "db.r9z.large"},
            "environments.dev.instance_class",
            "us-east-1",
        ),
    ],
)
def test_instance_class_offered_for_engine_in_region(
    mutations: dict[str, Any], field: str, fragment: str
) -> None:
    assert_refused(mutations, field, fragment, "use ")


def test_cli_refuses_versions(run_cli: RunCli, tmp_path: Path) -> None:
    assert_cli_refuses(
        run_cli,
        tmp_path,
        {
            "database.engine_version": "14.3",
            "environments.dev.engine_version": "14.99",
            "environments.prod.instance_class": "db.t3.micro",
        },
        {
            "database.engine_version": "use 14.6",
            "environments.dev.engine_version": "use 14.24",
            "environments.prod.instance_class": "not offered",
        },
    )


# --- 2. storage ---------------------------------------------------------------------------------


def _volume(kind: str, gib: int, iops: int) -> dict[str, Any]:
    return {"type": kind, "allocated_gib": gib, "max_allocated_gib": 1000, "iops": iops}


@pytest.mark.parametrize(
    ("storage", "fragment"),
    [
        (_volume("gp3", 200, 12000), "400 GiB"),
        (_volume("gp3", 400, 3000), "12000-64000"),
        (_volume("gp3", 400, 100000), "12000-64000"),
        (_volume("io1", 100, 10000), "50 IOPS per GiB"),
        (_volume("io1", 50, 1000), "at least 100 GiB"),
        (_volume("io2", 100, 200000), "1000 IOPS per GiB"),
    ],
)
def test_storage_limits(storage: dict[str, Any], fragment: str) -> None:
    found = problems({"environments.dev.storage": storage})
    hits = {f: m for f, m in found.items() if f.startswith("environments.dev.storage")}
    assert any(fragment in m and "CHAP_Storage" in m for m in hits.values()), found


def test_storage_within_limits_is_valid() -> None:
    valid({"environments.dev.storage": _volume("gp3", 400, 12000)})
    valid({"environments.dev.storage": _volume("io1", 100, 5000)})


@settings(deadline=None)
@given(
    kind=st.sampled_from(["gp3", "io1", "io2"]),
    gib=st.integers(20, 65536),
    iops=st.integers(1000, 256000) | st.none(),
)
def test_storage_accepted_exactly_within_the_limits_table(
    kind: str, gib: int, iops: int | None
) -> None:
    """The RDS figures, restated: what Storage accepts is exactly what RDS for PostgreSQL does."""
    limits = {
        "gp3": gib >= 20
        and (iops is None or (gib >= 400 and 12000 <= iops <= min(64000, 500 * gib))),
        "io1": gib >= 100 and iops is not None and max(1000, gib) <= iops <= min(256000, 50 * gib),
        "io2": gib >= 100 and iops is not None and 1000 <= iops <= min(256000, 1000 * gib),
    }
    volume = {"type": kind, "allocated_gib": gib, "max_allocated_gib": 65536, "iops": iops}
    if limits[kind]:
        Storage.model_validate(volume)
        return
    with pytest.raises(ValidationError) as info:
        Storage.model_validate(volume)
    assert all("CHAP_Storage" in e["msg"] or "needs iops" in e["msg"] for e in info.value.errors())


def test_cli_refuses_storage(run_cli: RunCli, tmp_path: Path) -> None:
    assert_cli_refuses(
        run_cli,
        tmp_path,
        {
            "environments.dev.storage": {
                "type": "gp3",
                "allocated_gib": 100,
                "max_allocated_gib": 200,
                "iops": 12000,
            }
        },
        {"environments.dev.storage.iops": "400 GiB"},
    )


# --- 3. kms key region and account ------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        (NORTHWIND_KEY.replace("444444444444", "111111111111"), "region eu-central-1"),
        (PROD_KEY.replace("us-east-1", "us-west-2"), "us-east-1"),
        (PROD_KEY.replace("111111111111", "999999999999"), "account 999999999999"),
        (PROD_KEY.replace("111111111111", "999999999999"), "none of the accounts"),
    ],
)
def test_kms_key_must_be_in_the_region_and_an_account_of_ours(key: str, fragment: str) -> None:
    assert_refused(
        {"environments.prod.kms_key_arn": key}, "environments.prod.kms_key_arn", fragment
    )


def test_kms_key_in_region_and_account_is_valid() -> None:
    assert (
        valid({"environments.prod.kms_key_arn": PROD_KEY}).environments.prod.kms_key_arn == PROD_KEY
    )


# --- 4. extensions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extension", "fragment"),
    [
        ("pg_trgrm", "did you mean 'pg_trgm'"),
        ("pgcrypt", "did you mean 'pgcrypto'"),
        ("timescaledb", "TimescaleDB"),
        ("no_such_thing", "pick a listed extension"),
    ],
)
def test_extension_not_offered(extension: str, fragment: str) -> None:
    exts = [*BASE["database"].get("extensions", ["pg_stat_statements", "pgcrypto"]), extension]
    found = problems({"database.extensions": exts})
    field = f"database.extensions[{len(exts) - 1}]"
    assert field in found, found
    assert fragment in found[field]


def test_extensions_differ_by_flavor_and_major() -> None:
    assert "apg_plan_mgmt" in extensions_for("aurora", 16)
    assert "apg_plan_mgmt" not in extensions_for("rds", 16)
    assert "pg_walinspect" in extensions_for("rds", 15)
    assert "pg_walinspect" not in extensions_for("rds", 14)
    assert "apg_plan_mgmt" in problems({"database.extensions": ["apg_plan_mgmt"]}).get(
        "database.extensions[0]", ""
    )  # dev is RDS


def test_cli_refuses_extensions(run_cli: RunCli, tmp_path: Path) -> None:
    assert_cli_refuses(
        run_cli,
        tmp_path,
        {"database.extensions": ["pg_trgrm", "timescaledb", "pgcrypto"]},
        {
            "database.extensions[0]": "did you mean 'pg_trgm'",
            "database.extensions[1]": "TimescaleDB",
        },
    )


# --- 5. readers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutations", "field", "fragment"),
    [
        ({"environments.dev.readers": 2}, "environments.dev.readers", "multi_az"),
        (
            {
                "environments.prod.readers": 5,
                "environments.prod.reader_autoscaling": {"min_capacity": 2, "max_capacity": 5},
            },
            "environments.prod.reader_autoscaling.max_capacity",
            "above readers",
        ),
        (
            {
                "environments.prod.readers": 15,
                "environments.prod.reader_autoscaling": {"min_capacity": 1, "max_capacity": 15},
            },
            "environments.prod.reader_autoscaling.max_capacity",
            "15 replicas",
        ),
    ],
)
def test_reader_rules(mutations: dict[str, Any], field: str, fragment: str) -> None:
    assert_refused(mutations, field, fragment)


def test_rds_default_readers_pass() -> None:
    """prod's default of one reader is not the user's choice: an RDS prod without readers is fine."""
    data = copy.deepcopy(BASE)
    data["environments"]["prod"].update(flavor="rds", instance_class="db.m6g.large")
    for key in ("readers", "reader_autoscaling"):
        del data["environments"]["prod"][key]
    parse_config(yaml.safe_dump(data), "pgplat.yaml")


def test_cli_refuses_readers(run_cli: RunCli, tmp_path: Path) -> None:
    assert_cli_refuses(
        run_cli,
        tmp_path,
        {
            "environments.dev.readers": 2,
            "environments.prod.reader_autoscaling": {"min_capacity": 1, "max_capacity": 2},
        },
        {
            "environments.dev.readers": "multi_az",
            "environments.prod.reader_autoscaling.max_capacity": "above readers",
        },
    )


# --- 6. tags --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "field", "fragment"),
    [
        ("aws:team", "x", "tags.aws:team", "reserved for AWS"),
        ("AWS:Team", "x", "tags.AWS:Team", "reserved for AWS"),
        ("k" * 129, "x", "tags." + "k" * 129, "at most 128"),
        ("team", "v" * 257, "tags.team", "at most 256"),
        ("team#1", "x", "tags.team#1", "characters"),
        ("team", "a;b", "tags.team", "characters"),
    ],
)
def test_tag_rules(key: str, value: str, field: str, fragment: str) -> None:
    tags = {**BASE["tags"], key: value}
    assert_refused({"tags": tags}, field, fragment)


def test_too_many_tags_counts_pgplats_own() -> None:
    tags = {**BASE["tags"], **{f"t{i}": "x" for i in range(50 - len(BASE["tags"]))}}
    assert_refused({"tags": tags}, "tags", "50", "pgplat adds 2")
    valid({"tags": dict(list(tags.items())[:48])})


def test_cli_refuses_tags(run_cli: RunCli, tmp_path: Path) -> None:
    tags = {**BASE["tags"], "aws:x": "1", "bad key!": "2"}
    assert_cli_refuses(
        run_cli,
        tmp_path,
        {"tags": tags},
        {"tags.aws:x": "reserved for AWS", "tags.bad key!": "characters"},
    )


# --- 7. reserved user names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("app_readonly", "group role"),
        ("app_readwrite", "group role"),
        ("app_owner", "group role"),
        ("pgplat_admin", "master user of environments.prod"),
        ("rds_pgaudit", "pgaudit"),
        ("postgres", "master user"),
        ("rdsadmin", "RDS"),
        ("rds_anything", "rds"),
        ("pg_monitor", "pg_"),
    ],
)
def test_reserved_user_names(name: str, fragment: str) -> None:
    assert_refused(
        {"database.users[0].name": name},
        "database.users[0].name",
        "reserved",
        fragment,
        "choose another",
    )


def test_group_roles_follow_the_schema() -> None:
    assert_refused(
        {"database.schema": "sales", "database.users[0].name": "sales_readonly"},
        "database.users[0].name",
        "group role",
    )
    valid({"database.users[0].name": "sales_readonly"})  # schema is app: not a group role


def test_cli_refuses_reserved_users(run_cli: RunCli, tmp_path: Path) -> None:
    assert_cli_refuses(
        run_cli,
        tmp_path,
        {"database.users[0].name": "app_readonly", "database.users[1].name": "rds_pgaudit"},
        {"database.users[0].name": "group role", "database.users[1].name": "pgaudit"},
    )


# --- 8. local data_dir ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data_dir", [".", "..", "", "/var/lib/pg", "../elsewhere", "a/../..", "a/..", "./", "~/pg"]
)
def test_data_dir_must_be_strictly_inside_the_project(data_dir: str) -> None:
    assert_refused(
        {"environments.local.data_dir": data_dir},
        "environments.local.data_dir",
        "inside the project",
    )


@pytest.mark.parametrize("data_dir", [".pgplat/local", "var/pg", "a/../b", "./db"])
def test_data_dir_inside_the_project_is_valid(data_dir: str) -> None:
    valid({"environments.local.data_dir": data_dir})


def test_cli_refuses_data_dir(run_cli: RunCli, tmp_path: Path) -> None:
    assert_cli_refuses(
        run_cli,
        tmp_path,
        {"environments.local.data_dir": "."},
        {"environments.local.data_dir": "inside the project"},
    )


@pytest.mark.parametrize(
    ("first", "second"), [("y", "y_"), ("orders_api", "orders__api"), ("_a", "a")]
)
def test_users_whose_derived_names_collide(first: str, second: str) -> None:
    """Secrets, roles and outputs are named after the user in PascalCase (``orders_api`` ->
    ``OrdersApi``): two users that only differ in underscores would share them."""
    assert_refused(
        {"database.users[0].name": first, "database.users[1].name": second},
        "database.users",
        f"{first}, {second}",
        "differ only in underscores",
    )


APP_VPC = "environments.prod.network.app_vpcs[0]"


@settings(max_examples=25, deadline=None)
@given(
    field=st.sampled_from(
        [
            (f"{APP_VPC}.vpc_id", "vpc-", False),
            (f"{APP_VPC}.subnet_ids", "subnet-", True),
            (f"{APP_VPC}.route_table_ids", "rtb-", True),
            ("environments.prod.network.transit_gateway_id", "tgw-", False),
        ]
    ),
    digits=st.integers(min_value=1, max_value=20).filter(lambda n: n not in (8, 17)),
)
def test_ec2_ids_of_any_but_8_or_17_hex_digits_are_refused(
    field: tuple[str, str, bool], digits: int
) -> None:
    """AWS issues EC2 ids with 8 (older) or 17 hex digits, and CloudFormation refuses others
    (cfn-lint E1151/E1154); app VPC subnets and route tables were not checked at all."""
    path, prefix, listed = field
    wrong = prefix + "a" * digits
    found = problems({path: [wrong] if listed else wrong})
    field_path = f"{path}[0]" if listed else path
    assert field_path in found, found
    assert "8 or 17" in found[field_path]
