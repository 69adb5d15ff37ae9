"""Every taggable resource carries the organisation's required tags and its environment's."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

from pgplat.config.model import ENVIRONMENT_TAG
from pgplat.policy.assembly import Resource
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, verdict


def mandatory_tags_present(resource: Resource, context: Context) -> Verdict:
    prop = tag_property(context.config.region, resource.type)
    if prop is None:
        return NOT_APPLICABLE
    keys = _keys(resource.properties.get(prop))
    required = (*context.config.required_tags, ENVIRONMENT_TAG)
    missing = [key for key in required if key not in keys]
    return verdict(not missing, f"missing tag(s) {', '.join(missing)}")


@cache
def tag_property(region: str, resource_type: str) -> str | None:
    """The property a resource type carries tags in, from the CloudFormation registry schema
    cfn-lint ships; None for types that cannot be tagged."""
    try:
        schema: Mapping[str, Any] = PROVIDER_SCHEMA_MANAGER.get_resource_schema(
            region, resource_type
        ).schema
    except ResourceNotFoundError:
        return None
    tagging = schema.get("tagging", {})
    if not tagging.get("taggable", False):
        return None
    return str(tagging.get("tagProperty", "/properties/Tags")).rsplit("/", 1)[-1]


def _keys(tags: Any) -> set[str]:
    if isinstance(tags, dict):
        return {str(k) for k in tags}
    if isinstance(tags, list):
        return {str(t.get("Key")) for t in tags if isinstance(t, dict)}
    return set()
