"""The dated data validation reads: current with the installed cfn-lint, sourced and consistent."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pgplat.config.calendar import CALENDAR
from pgplat.config.engines import DATA_FILE, instance_classes, supported_versions
from pgplat.config.extensions import DATA_FILE as EXTENSIONS_FILE
from pgplat.config.extensions import extension_problem, extensions_for
from pgplat.config.model import Database
from pgplat.config.refresh import refresh
from tests.config.test_aws_constraints import problems


def test_engine_extract_is_what_the_installed_cfn_lint_gives(tmp_path: Path) -> None:
    """Upgrading cfn-lint without `make refresh-data` fails here, not in a user's synth."""
    committed = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    fresh = json.loads(refresh(tmp_path / "engines.json", date(2000, 1, 1)).read_text("utf-8"))
    assert fresh["as_of"] == "2000-01-01"
    assert {k: v for k, v in fresh.items() if k != "as_of"} == {
        k: v for k, v in committed.items() if k != "as_of"
    }
    assert "cfn-lint" in committed["source"]
    date.fromisoformat(committed["as_of"])


@pytest.mark.parametrize("flavor", ["aurora", "rds"])
def test_defaults_are_offered(flavor: str) -> None:
    """The defaults a file gets without saying anything are offered by both flavors."""
    version = Database.model_fields["engine_version"].default
    assert version in supported_versions(flavor)  # type: ignore[arg-type]
    for extension in Database().extensions:
        assert extension in extensions_for(flavor, 17)  # type: ignore[arg-type]
    classes = instance_classes(flavor, "us-east-1")  # type: ignore[arg-type]
    assert classes is not None
    assert ("db.r6g.large" if flavor == "aurora" else "db.m6g.large") in classes


def test_class_refusal_names_classes_the_region_offers() -> None:
    """db.t4g.micro is not offered in ca-west-1: the fix names classes of its family or size
    that are."""
    found = problems(
        {
            "region": "ca-west-1",
            "availability_zones": ["ca-west-1a", "ca-west-1b", "ca-west-1c"],
        }
    )
    message = found["environments.dev.instance_class"]
    offered = instance_classes("rds", "ca-west-1")
    assert offered is not None
    suggested = message.split("use one of ", 1)[1].split(", ")
    assert suggested
    assert all(c in offered and c.startswith(("db.t4g.", "db.t3.")) for c in suggested), message


def test_extension_table_is_dated_sourced_and_consistent() -> None:
    data = json.loads(EXTENSIONS_FILE.read_text(encoding="utf-8"))
    date.fromisoformat(data["as_of"])
    assert set(data["source"]) == {"rds", "aurora"}
    assert all(url.startswith("https://docs.aws.amazon.com/") for url in data["source"].values())
    for major in CALENDAR:
        for flavor in ("aurora", "rds"):
            offered = extensions_for(flavor, major)  # type: ignore[arg-type]
            assert not offered & set(data["never"])
            assert {"pg_stat_statements", "pgcrypto", "pgaudit"} <= offered
            assert extension_problem("pg_trgm", flavor, major) is None  # type: ignore[arg-type]
