"""The tag-property table the mandatory-tags rule reads: what the installed cfn-lint's
schemas say, so the rule judges as it did when it asked cfn-lint, without importing it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from cfnlint.helpers import REGIONS
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError
from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat.config.refresh import refresh_tagging
from pgplat.config.tagging import DATA_FILE, tag_property

_REGIONS = sorted(REGIONS)


def test_tag_table_is_what_the_installed_cfn_lint_gives(tmp_path: Path) -> None:
    """Upgrading cfn-lint without `make refresh-data` fails here."""
    committed = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    fresh = json.loads(refresh_tagging(tmp_path / "t.json", date(2000, 1, 1)).read_text("utf-8"))
    assert fresh["as_of"] == "2000-01-01"
    assert {k: v for k, v in fresh.items() if k != "as_of"} == {
        k: v for k, v in committed.items() if k != "as_of"
    }
    date.fromisoformat(committed["as_of"])


def _cfn_lint_says(region: str, resource_type: str) -> str | None:
    """What the rule read before the table: the registry schema through cfn-lint."""
    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
    except ResourceNotFoundError:
        return None
    tagging = schema.get("tagging", {})
    if not tagging.get("taggable", False):
        return None
    return str(tagging.get("tagProperty", "/properties/Tags")).rsplit("/", 1)[-1]


@st.composite
def _offered(draw: st.DrawFn) -> tuple[str, str]:
    region = draw(st.sampled_from(_REGIONS))
    return region, draw(st.sampled_from(PROVIDER_SCHEMA_MANAGER.get_resource_types(region)))


@settings(max_examples=20, deadline=None)
@given(_offered())
def test_the_table_answers_as_cfn_lint_for_any_type_offered_in_any_region(
    offered: tuple[str, str],
) -> None:
    region, resource_type = offered
    assert tag_property(resource_type) == _cfn_lint_says(region, resource_type)


@pytest.mark.fuzz
def test_fuzz_the_table_answers_as_cfn_lint_for_every_type_of_every_region() -> None:
    for region in _REGIONS:
        for resource_type in PROVIDER_SCHEMA_MANAGER.get_resource_types(region):
            assert tag_property(resource_type) == _cfn_lint_says(region, resource_type), (
                region,
                resource_type,
            )


@pytest.mark.parametrize(
    "resource_type", ["Custom::Anything", "AWS::No::Such", "AWS::CloudFormation::CustomResource"]
)
def test_unknown_and_custom_types_are_not_taggable(resource_type: str) -> None:
    assert tag_property(resource_type) is None
    assert _cfn_lint_says("us-east-1", resource_type) is None
