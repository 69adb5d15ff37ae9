"""Every taggable resource of every stack carries its environment's tags (issue 26, item 6):
``environment`` set to the environment's name, and ``environments.<env>.tags`` over the
top-level tags, so dev and prod are told apart in cost reports and tag policies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pgplat.config.model import PgplatConfig
from pgplat.config.tagging import tag_property
from pgplat.infra.app import Synthesis
from tests.fixtures.synth import ENGINE_OPTIONS


def _tagged(synthesis: Synthesis) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(environment, stack/logical id, tags) of every taggable resource, in every stack."""
    for name, info in synthesis.stacks.items():
        for logical_id, resource in synthesis.template(name)["Resources"].items():
            prop = tag_property(resource["Type"])
            if prop is None:
                continue
            tags = resource.get("Properties", {}).get(prop)
            yield info.env, f"{name}/{logical_id}", _values(tags)


def _values(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    if isinstance(tags, list):
        return {str(t.get("Key")): str(t.get("Value")) for t in tags if isinstance(t, dict)}
    return {}


def test_every_taggable_resource_carries_its_environment(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    seen: dict[str, set[str]] = {}
    for env, where, tags in _tagged(innovate_synth):
        assert tags.get("environment") == env, where
        assert set(innovate.required_tags) <= tags.keys(), where
        seen.setdefault(env, set()).add(tags["environment"])
    assert seen == {"prod": {"prod"}, "dev": {"dev"}}


def test_environment_tags_win_over_the_top_level_ones(
    multi_az_cluster_config: PgplatConfig, multi_az_cluster_synth: Synthesis
) -> None:
    expected = multi_az_cluster_config.tags | ENGINE_OPTIONS["tags"] | {"environment": "prod"}
    found = list(_tagged(multi_az_cluster_synth))
    assert found
    for _, where, tags in found:
        assert {k: tags.get(k) for k in expected} == expected, where
