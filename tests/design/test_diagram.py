"""`pgplat diagram`: every example draws, shows what it must, and stands alone."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pgplat.config import PgplatConfig
from pgplat.design.diagram import describe, render
from pgplat.errors import UserError
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
DOCS_PICTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture-innovate.svg"


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
