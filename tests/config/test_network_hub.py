"""accounts.network: the hub account owning the Transit Gateway, and what it asks of the file."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pgplat.config.errors import ConfigError, dotted
from pgplat.config.explain import effective_settings
from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig
from tests.fixtures.examples import INNOVATE

BASE: dict[str, Any] = yaml.safe_load(INNOVATE.read_text())
HUB = "777777777777"
TGW = {"prod": "tgw-0a1b2c3d4e5f60718", "dev": "tgw-0f1e2d3c4b5a69788"}


def _hub_file(gateways: dict[str, str], hub: str = HUB) -> str:
    """Innovate with a network hub and the Transit Gateway ids of ``gateways``' environments."""
    data = copy.deepcopy(BASE)
    data["accounts"]["network"] = hub
    for env, tgw in gateways.items():
        network = data["environments"][env]["network"]
        network["connectivity"] = "transit-gateway"
        network["transit_gateway_id"] = tgw
    data["environments"]["dev"]["network"]["connectivity"] = "transit-gateway"
    return yaml.safe_dump(data, sort_keys=False)


def _error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "pgplat.yaml")
    return info.value


def test_a_hub_with_every_gateway_named_validates() -> None:
    config = parse_config(_hub_file(TGW), "pgplat.yaml")
    assert config.accounts.network == HUB
    assert {config.account_of(env, "network") for env in ("prod", "dev")} == {HUB}
    assert config.account_of("prod", "data") == BASE["accounts"]["data"]


@given(st.sampled_from(["data", "app", "nonprod"]))
def test_the_hub_is_its_own_account(role: str) -> None:
    error = _error(_hub_file(TGW, hub=BASE["accounts"][role]))
    assert dotted(error.path) == "accounts.network"
    assert f"not the {role} account" in error.message
    assert "\n" not in str(error)
    assert len(error.problems) == 1


@given(st.sets(st.sampled_from(["prod", "dev"]), min_size=1))
def test_every_transit_gateway_environment_names_the_hubs_gateway(missing: set[str]) -> None:
    error = _error(_hub_file({env: t for env, t in TGW.items() if env not in missing}))
    paths = sorted(dotted(p.path) for p in error.problems)
    assert paths == sorted(f"environments.{env}.network.transit_gateway_id" for env in missing)
    assert all("accounts.network" in p.message for p in error.problems)


def test_peering_environments_need_no_gateway() -> None:
    data = yaml.safe_load(_hub_file({"prod": TGW["prod"]}))
    data["environments"]["dev"]["network"]["connectivity"] = "vpc-peering"
    config = parse_config(yaml.safe_dump(data), "pgplat.yaml")
    assert isinstance(config, PgplatConfig)


def test_hub_access_is_configured_like_the_others() -> None:
    data = yaml.safe_load(_hub_file(TGW))
    data["deploy"] = {"network": {"role_arn": f"arn:aws:iam::{HUB}:role/network-deploy"}}
    config = parse_config(yaml.safe_dump(data), "pgplat.yaml")
    assert config.deploy.network.role_arn == f"arn:aws:iam::{HUB}:role/network-deploy"


def test_the_documented_example_validates() -> None:
    """docs/network-hub.md's accounts and networks, on innovate, are a valid hub configuration."""
    text = (INNOVATE.parents[1] / "docs" / "network-hub.md").read_text()
    example = yaml.safe_load(text.split("```yaml\n", 1)[1].split("```", 1)[0])
    data = copy.deepcopy(BASE)
    data["accounts"] = example["accounts"]
    data["deploy"] = example["deploy"]
    for env, settings in example["environments"].items():
        data["environments"][env]["network"] = settings["network"]
    config = parse_config(yaml.safe_dump(data), "docs/network-hub.md")
    assert all(config.routed_by_hub(env) for env in ("prod", "dev"))
    assert config.deploy.network.profile == "network-admin"


def test_explain_names_the_hub_of_each_environment_it_routes() -> None:
    data = yaml.safe_load(_hub_file({"prod": TGW["prod"]}))
    data["environments"]["dev"]["network"]["connectivity"] = "vpc-peering"
    settings = {
        s.path: s.value
        for s in effective_settings(parse_config(yaml.safe_dump(data), "pgplat.yaml"))
    }
    assert settings["derived.prod.network_account"] == HUB
    assert "derived.dev.network_account" not in settings  # peering: the hub plays no part


def test_the_hub_is_no_bunker() -> None:
    """A backup bunker is out of reach of the environment's operators; the hub is one of them."""
    data = yaml.safe_load(_hub_file(TGW))
    bunker = data["environments"]["prod"]["backup"]["bunker_copy"]
    bunker["vault_arn"] = bunker["vault_arn"].replace(bunker["vault_arn"].split(":")[4], HUB)
    error = _error(yaml.safe_dump(data))
    assert dotted(error.path) == "environments.prod.backup.bunker_copy.vault_arn"
    assert f"account {HUB} is one of this configuration's accounts" in error.message
    assert len(error.problems) == 1
