"""Every taggable resource carries the organisation's required tags and its environment's."""

from __future__ import annotations

from typing import Any

from pgplat.config.model import ENVIRONMENT_TAG
from pgplat.config.tagging import tag_property
from pgplat.policy.assembly import Resource
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, verdict


def mandatory_tags_present(resource: Resource, context: Context) -> Verdict:
    prop = tag_property(resource.type)
    if prop is None:
        return NOT_APPLICABLE
    keys = _keys(resource.properties.get(prop))
    required = (*context.config.required_tags, ENVIRONMENT_TAG)
    missing = [key for key in required if key not in keys]
    return verdict(not missing, f"missing tag(s) {', '.join(missing)}")


def _keys(tags: Any) -> set[str]:
    if isinstance(tags, dict):
        return {str(k) for k in tags}
    if isinstance(tags, list):
        return {str(t.get("Key")) for t in tags if isinstance(t, dict)}
    return set()
