"""network.existing_vpc: the database in a VPC the data account already has, and what the file
must say about it (its subnets' zones and route tables; no option that only a new VPC takes)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pgplat.config.errors import ConfigError, dotted
from pgplat.config.loader import parse_config
from pgplat.config.model import ExistingVpc
from tests.fixtures.examples import INNOVATE

BASE: dict[str, Any] = yaml.safe_load(INNOVATE.read_text())
ZONES: list[str] = BASE["availability_zones"]


def existing_vpc(zones: list[str], *, endpoints: bool = True) -> dict[str, Any]:
    """An existing VPC with one subnet (and route table) per zone of ``zones``."""
    return {
        "vpc_id": "vpc-0e1d2c3b4a5968770",
        "subnets": [
            {
                "subnet_id": f"subnet-0e1d2c3b4a59687{i:02d}",
                "availability_zone": zone,
                "route_table_id": f"rtb-0e1d2c3b4a59687{i:02d}",
            }
            for i, zone in enumerate(zones)
        ],
        "create_interface_endpoints": endpoints,
    }


def _file(network: dict[str, Any]) -> str:
    data = copy.deepcopy(BASE)
    data["environments"]["prod"]["network"] |= network
    return yaml.safe_dump(data, sort_keys=False)


def _problems(text: str) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "pgplat.yaml")
    for problem in info.value.problems:
        assert "\n" not in str(problem)
    return {dotted(p.path): p.message for p in info.value.problems}


PROD = "environments.prod.network"


@settings(max_examples=10, deadline=None)
@given(
    st.lists(st.sampled_from(ZONES), min_size=2, max_size=len(ZONES), unique=True), st.booleans()
)
def test_an_existing_vpc_in_configured_zones_validates(zones: list[str], endpoints: bool) -> None:
    config = parse_config(_file({"existing_vpc": existing_vpc(zones, endpoints=endpoints)}), "x")
    network = config.environments.prod.network
    assert network.existing_vpc is not None
    assert network.existing_vpc.create_interface_endpoints is endpoints
    assert network.zones(config.availability_zones) == zones


def test_without_an_existing_vpc_the_first_max_azs_zones_are_spanned() -> None:
    config = parse_config(_file({"max_azs": 2}), "x")
    assert config.environments.prod.network.zones(config.availability_zones) == ZONES[:2]


def test_every_conflict_is_one_line_of_the_same_run() -> None:
    """max_azs, a repeated AZ, an unconfigured AZ, the data VPC as an app VPC, a bad id:
    five problems, five lines, whichever pydantic saw first."""
    vpc = existing_vpc([ZONES[0], ZONES[0], "us-east-1f"])
    vpc["subnets"][1]["route_table_id"] = "rtb-nothex"
    apps = copy.deepcopy(BASE["environments"]["prod"]["network"]["app_vpcs"])
    apps[0]["vpc_id"] = vpc["vpc_id"]
    found = _problems(_file({"existing_vpc": vpc, "max_azs": 2, "app_vpcs": apps}))
    assert "remove max_azs" in found[f"{PROD}.max_azs"]
    assert "one subnet per AZ" in found[f"{PROD}.existing_vpc.subnets[1].availability_zone"]
    assert "rtb-" in found[f"{PROD}.existing_vpc.subnets[1].route_table_id"]
    assert "is existing_vpc.vpc_id" in found[f"{PROD}.app_vpcs[0].vpc_id"]
    assert len(found) == 4  # the unconfigured zone waits for the section to validate
    vpc["subnets"][1] = existing_vpc([ZONES[1]])["subnets"][0] | {"subnet_id": "subnet-0123abcd"}
    found = _problems(_file({"existing_vpc": vpc}))
    assert list(found) == [f"{PROD}.existing_vpc.subnets[2].availability_zone"]
    assert (
        "not one of availability_zones"
        in found[f"{PROD}.existing_vpc.subnets[2].availability_zone"]
    )


def test_one_subnet_is_not_enough() -> None:
    found = _problems(_file({"existing_vpc": existing_vpc(ZONES[:1])}))
    assert list(found) == [f"{PROD}.existing_vpc.subnets"]


DOCS = INNOVATE.parents[1] / "docs"


@pytest.mark.parametrize("page", ["existing-vpc.md", "configuration-examples.md"])
def test_the_documented_existing_vpc_validates(page: str) -> None:
    """The docs' existing_vpc fragments, on innovate, validate and say what they show."""
    text = (DOCS / page).read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    (block,) = [b for b in blocks if "existing_vpc:" in b]
    network = yaml.safe_load(block)["environments"]["prod"]["network"]
    config = parse_config(_file(network), f"docs/{page}")
    existing = config.environments.prod.network.existing_vpc
    assert existing is not None
    assert len(existing.subnets) == 2


@settings(deadline=None)
@given(
    st.sampled_from(["vpc_id", "subnet_id", "route_table_id"]),
    st.integers(1, 20).flatmap(lambda n: st.text("0123456789abcdef", min_size=n, max_size=n)),
)
def test_ids_have_the_8_or_17_hex_digits_aws_gives_them(field: str, digits: str) -> None:
    """What cfn-lint (and EC2) accept: ``vpc-`` and 8 or 17 hex digits, nothing between."""
    vpc = existing_vpc(ZONES[:2])
    target = vpc if field == "vpc_id" else vpc["subnets"][0]
    target[field] = f"{target[field].split('-')[0]}-{digits}"
    if len(digits) in (8, 17):
        ExistingVpc.model_validate(vpc)
        return
    with pytest.raises(ValidationError) as info:
        ExistingVpc.model_validate(vpc)
    where = (field,) if field == "vpc_id" else ("subnets", 0, field)
    assert [e["loc"] for e in info.value.errors()] == [where]
