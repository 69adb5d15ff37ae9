"""`pgplat diagram`: every example draws, shows what it must, and stands alone."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from pgplat.config.model import PgplatConfig
from pgplat.design.diagram import LEVELS, Architecture, Edge, Group, Node, describe, render
from pgplat.errors import UserError
from tests.fixtures.cli import RunCli
from tests.fixtures.configs import Document, documents
from tests.fixtures.examples import INNOVATE

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
DOCS_PICTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture-innovate.svg"
DRAWN = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Generated configurations per run (`make fuzz` draws many more); the examples below meet
a proxy, its read-only endpoint and every level on every run."""


def must_show(config: PgplatConfig) -> list[str]:
    """Every account, VPC CIDR and the database name."""
    accounts = [config.accounts.data, config.accounts.app, config.accounts.nonprod]
    cidrs = [
        cidr
        for env in config.environments.cloud().values()
        for cidr in (env.network.vpc_cidr, *env.network.app_cidrs)
    ]
    return [a for a in accounts if a] + cidrs + [f"database {config.database.name}"]


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()  # noqa: S314 - Graphviz's own output
    assert root.tag == f"{SVG}svg"
    return " ".join(t for t in root.itertext() if t.strip())


@pytest.mark.parametrize("example", ["innovate", "northwind"])
def test_svg_shows_accounts_cidrs_and_database(
    example: str, example_pictures: dict[tuple[str, str], Path], request: pytest.FixtureRequest
) -> None:
    config: PgplatConfig = request.getfixturevalue(example)
    text = svg_text(example_pictures[example, "svg"])
    for expected in must_show(config):
        assert expected in text


@pytest.mark.parametrize("example", ["innovate", "northwind"])
def test_svg_embeds_its_icons(example: str, example_pictures: dict[tuple[str, str], Path]) -> None:
    root = ET.parse(example_pictures[example, "svg"]).getroot()  # noqa: S314
    images = [image.get(XLINK, "") for image in root.iter(f"{SVG}image")]
    assert images
    assert all(href.startswith("data:image/png;base64,") for href in images)


@pytest.mark.parametrize("example", ["innovate", "northwind"])
def test_png_is_a_png(example: str, example_pictures: dict[tuple[str, str], Path]) -> None:
    data = example_pictures[example, "png"].read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 50_000


def test_nonprod_account_is_drawn_apart(innovate: PgplatConfig) -> None:
    arch = describe(innovate)
    styles = {g.id: g.style for top in arch.groups for g in top.walk()}
    assert styles["dev_account"] == "nonprod-account"
    assert styles["prod_data"] == styles["prod_app"] == "prod-account"
    for edge in arch.edges:
        assert edge.tail.split("_")[0] == edge.head.split("_")[0], edge


def test_aurora_writer_and_readers_spread_over_azs(innovate: PgplatConfig) -> None:
    arch = describe(innovate, ["prod"])
    groups = {g.id: g for top in arch.groups for g in top.walk()}
    placed = {
        zone: [n.lines[0] for n in groups[f"prod_az_{zone}"].nodes]
        for zone in innovate.availability_zones
    }
    assert placed["us-east-1a"][0].startswith("writer")
    assert placed["us-east-1b"][0].startswith("reader 1")
    assert "auto scaling 2-5" in placed["us-east-1c"][0]
    assert "us-east-1a 10.20.0.0/24" in arch.text()


def test_an_existing_vpc_is_drawn_with_its_own_subnets_and_zones(
    serverless_config: PgplatConfig,
) -> None:
    """Its subnets' AZs and ids, not the first max_azs zones carved out of the CIDR (which
    pgplat does not create there)."""
    existing = serverless_config.environments.cloud()["prod"].network.existing_vpc
    assert existing is not None
    arch = describe(serverless_config, ["prod"])
    text = arch.text()
    groups = {g.id for top in arch.groups for g in top.walk()}
    for subnet in existing.subnets:
        assert f"{subnet.availability_zone} {subnet.subnet_id}" in text
    zones = {s.availability_zone for s in existing.subnets}
    assert {f"prod_az_{z}" for z in serverless_config.availability_zones} & groups == {
        f"prod_az_{z}" for z in zones
    }
    assert existing.vpc_id in text
    assert "10.20.0.0/24" not in text


def test_rds_multi_az_pair_and_peering(northwind: PgplatConfig) -> None:
    text = describe(northwind).text()
    assert "primary\ndb.m6g.large" in text
    assert "synchronous standby\ndb.m6g.large" in text
    assert "VPC peering" in text
    assert "namespace orders" in text
    assert "orders-api: user " in text
    assert "Transit Gateway" not in text


def test_plain_fallback_without_the_icon_package(
    innovate: PgplatConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "diagrams", None)
    rendered = render(describe(innovate), tmp_path / "plain.svg")
    assert not rendered.icons
    assert rendered.notice is not None
    assert "pip install diagrams" in rendered.notice
    root = ET.parse(rendered.path).getroot()  # noqa: S314
    assert not list(root.iter(f"{SVG}image"))
    for expected in must_show(innovate):
        assert expected in svg_text(rendered.path)


def test_missing_dot_says_how_to_install_it(
    innovate: PgplatConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UserError, match=r"apt-get install -y graphviz"):
        render(describe(innovate), tmp_path / "x.svg")


def test_other_formats_and_environments_are_refused(
    innovate: PgplatConfig, northwind: PgplatConfig, tmp_path: Path
) -> None:
    with pytest.raises(UserError, match=r"\.svg or \.png"):
        render(describe(innovate), tmp_path / "x.pdf")
    with pytest.raises(UserError, match="environment 'dev' is not in the configuration"):
        describe(northwind, ["dev"])


def test_cli_draws_one_environment(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "prod.svg"
    done = run_cli("-q", "-c", str(INNOVATE), "diagram", "--env", "prod", "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = svg_text(out)
    assert "222222222222" in text
    assert "333333333333" not in text


def test_docs_picture_is_the_innovate_example(innovate: PgplatConfig) -> None:
    """docs/ shows the innovate example: `pgplat -c examples/innovate-inc.yaml diagram
    --out docs/architecture-innovate.svg` redraws it."""
    text = svg_text(DOCS_PICTURE)
    for line in describe(innovate).text().splitlines():
        for part in line.split("\n"):
            assert part.strip() in text, part


# --- the proxy, the users' levels, the bunker and the network hub -----------------------


def _groups(arch: Architecture) -> dict[str, Group]:
    return {g.id: g for top in arch.groups for g in top.walk()}


def _nodes(arch: Architecture) -> dict[str, Node]:
    return {n.id: n for g in _groups(arch).values() for n in g.nodes}


def _edge(arch: Architecture, tail: str, head: str) -> Edge:
    (edge,) = [e for e in arch.edges if (e.tail, e.head) == (tail, head)]
    return edge


def _drawn_where_configured(document: Document) -> None:
    """The proxy sits in the data VPC between the gateway (or peering) the workloads come
    through and the database, its read-only endpoint only when configured; the hub's account
    and the bunker's only when there is one; every user's line names its level in words and
    says when it goes through the proxy, and no level is drawn that no user has."""
    config = PgplatConfig.model_validate(document)
    arch = describe(config)
    groups, nodes, text = _groups(arch), _nodes(arch), arch.text()
    for name, env in config.environments.cloud().items():
        routed = env.network.connectivity == "transit-gateway"
        assert (f"{name}_hub" in groups) is (config.accounts.network is not None and routed)
        assert (f"{name}_bunker" in groups) is (env.backup.bunker_copy is not None)
        proxy, reader = env.proxy, f"{name}_proxy_reader"
        assert (f"{name}_proxy" in nodes) is (proxy is not None)
        assert (reader in nodes) is (proxy is not None and proxy.read_only_endpoint)
        if proxy is None:
            continue
        vpc = groups[f"{name}_data_vpc"]
        assert f"{name}_proxy" in {n.id for n in vpc.nodes}
        assert "5432/TLS" in _edge(arch, f"{name}_link", f"{name}_proxy").label
        assert _edge(arch, f"{name}_proxy", f"{name}_db").label == "writer"
        assert f"{proxy.max_connections_percent}% of max_connections" in "\n".join(
            nodes[f"{name}_proxy"].lines
        )
        if proxy.read_only_endpoint:
            assert _edge(arch, reader, f"{name}_db").label == "readers"
    for level, words in LEVELS.items():
        assert (words in text) is any(u.access == level for u in config.database.users), level
    proxied = any(env.proxy is not None for env in config.environments.cloud().values())
    assert ("via RDS Proxy" in text) is proxied
    for user in config.database.users:
        assert f"{user.kubernetes.service_account}: user {user.name}, {LEVELS[user.access]}" in text


test_proxy_hub_bunker_and_levels_are_drawn_where_configured = DRAWN(
    given(documents())(_drawn_where_configured)
)
test_fuzz_proxy_hub_bunker_and_levels_are_drawn_where_configured = pytest.mark.fuzz(
    settings(DRAWN, max_examples=300)(given(documents())(_drawn_where_configured))
)


def test_meridian_draws_its_users_through_the_proxy_and_the_owner_direct(
    meridian: PgplatConfig,
) -> None:
    lines = describe(meridian, ["prod"]).text().splitlines()
    assert "claims-api: user claims_api, read-write (DML), iam via RDS Proxy" in lines
    assert "reporting: user actuarial, read-only (SELECT), iam via RDS Proxy" in lines
    assert "claims-migrations: user claims_migrator, owner (DDL), secret" in lines


@pytest.mark.parametrize("example", ["innovate", "northwind", "meridian"])
def test_the_bunker_copy_goes_to_the_backup_account(
    example: str, request: pytest.FixtureRequest
) -> None:
    config: PgplatConfig = request.getfixturevalue(example)
    arch = describe(config)
    groups = _groups(arch)
    for name, env in config.environments.cloud().items():
        bunker = env.backup.bunker_copy
        assert (f"{name}_bunker" in groups) is (bunker is not None)
        if bunker is None:
            continue
        account = groups[f"{name}_bunker"]
        assert account.style == "shared-account"
        assert f"Backup account {bunker.account}" in account.lines
        (vault,) = account.nodes
        assert vault.kind == "backup"
        assert f"{bunker.retention_days}-day retention" in vault.lines
        assert bunker.vault_arn.rsplit(":", 1)[1] in "\n".join(vault.lines)
        assert "copies" in _edge(arch, f"{name}_backup", vault.id).label
        assert account in groups[name].groups, "an account of its own, beside the data account"


@pytest.mark.parametrize("example", ["innovate", "northwind", "meridian"])
def test_the_hub_account_owns_the_gateway_when_there_is_one(
    example: str, request: pytest.FixtureRequest
) -> None:
    config: PgplatConfig = request.getfixturevalue(example)
    arch = describe(config)
    groups, nodes = _groups(arch), _nodes(arch)
    hub = config.accounts.network
    for name, env in config.environments.cloud().items():
        routed = env.network.connectivity == "transit-gateway"
        assert (f"{name}_hub" in groups) is (hub is not None and routed)
        if f"{name}_hub" not in groups:
            continue
        account = groups[f"{name}_hub"]
        assert account.style == "shared-account"
        assert f"Network hub account {hub}" in account.lines
        assert {n.kind for n in account.nodes} == {"transit-gateway", "ram"}
        assert env.network.transit_gateway_id in nodes[f"{name}_link"].lines
        share = _edge(arch, f"{name}_ram", f"{name}_link").label
        assert config.account_of(name, "data") in share
        assert config.account_of(name, "app") in share
        data = groups.get(f"{name}_data") or groups[f"{name}_account"]
        assert not any(n.kind in ("transit-gateway", "ram") for g in data.walk() for n in g.nodes)


def test_meridian_prod_has_hub_proxy_and_bunker_and_dev_none(meridian: PgplatConfig) -> None:
    groups = _groups(describe(meridian))
    assert {"prod_hub", "prod_bunker"} <= set(groups)
    assert {"prod_proxy", "prod_proxy_reader"} <= {n.id for n in groups["prod_data_vpc"].nodes}
    assert not {"dev_hub", "dev_bunker"} & set(groups)
    assert not any(n.kind == "proxy" for n in groups["dev_data_vpc"].nodes)


def test_meridian_picture_shows_the_hub_proxy_bunker_and_levels(
    meridian: PgplatConfig, tmp_path: Path
) -> None:
    """What describe() says is what the drawn SVG shows (prod only: one drawing is enough)."""
    text = svg_text(render(describe(meridian, ["prod"]), tmp_path / "meridian.svg").path)
    for expected in (
        f"Network hub account {meridian.accounts.network}",
        "RAM resource share",
        "RDS Proxy read-only endpoint",
        "pool up to 80% of max_connections",
        "Backup account 121212121212",
        "bunker vault meridian-bunker",
        "claims-migrations: user claims_migrator, owner (DDL), secret",
        "reporting: user actuarial, read-only (SELECT), iam via RDS Proxy",
    ):
        assert expected in text
