"""Resources holding data that a deploy would replace or remove: found before CloudFormation
starts, so production data is never swapped for an empty database by an innocent-looking edit.

CloudFormation replaces a resource when one of its create-only properties changes (another
master username, another KMS key, a renamed cluster): it creates the new one, points every
reference at it and deletes or orphans the old one. ``cdk diff`` shows this among hundreds of
lines; ``pgplat deploy`` compares the deployed template of each stack with the new one and
refuses such a change unless it is asked for (``--allow-replacement``).

What holds data is what the template itself keeps on deletion (``DeletionPolicy`` Retain or
Snapshot: databases, keys, vaults, buckets, log groups). Which properties are create-only comes
from the CloudFormation registry schemas cfn-lint ships, plus the few the registry omits.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

KEEPS_DATA = frozenset({"Retain", "Snapshot", "RetainExceptOnCreate"})
"""Deletion policies of resources whose loss is data loss."""

REPLACED_ON_CHANGE_BEYOND_REGISTRY: Mapping[str, tuple[str, ...]] = {
    # The CloudFormation reference says "Update requires: Replacement" for these; the
    # registry schema does not list them as create-only.
    "AWS::RDS::DBCluster": ("MasterUsername", "Engine"),
}


@dataclass(frozen=True)
class Replacement:
    """One resource holding data that the new template replaces (or removes)."""

    stack: str
    logical_id: str
    resource_type: str
    reason: str

    def __str__(self) -> str:
        return f"{self.stack}: {self.logical_id} ({self.resource_type}) {self.reason}"


def create_only_properties(region: str, resource_type: str) -> tuple[tuple[str, ...], ...]:
    """Property paths of ``resource_type`` whose change makes CloudFormation replace it."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # its schemas load in ~1 s: on use

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
    except KeyError:  # a type the registry does not know (Custom::...): nothing is create-only
        schema = {}
    paths = [
        tuple(pointer.removeprefix("/properties/").split("/"))
        for pointer in schema.get("createOnlyProperties", [])
    ]
    paths += [(name,) for name in REPLACED_ON_CHANGE_BEYOND_REGISTRY.get(resource_type, ())]
    return tuple(dict.fromkeys(paths))


def _value_at(properties: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """The value at ``path`` (``None`` when absent; ``*`` steps are compared whole)."""
    value: Any = properties
    for step in path:
        if step == "*" or not isinstance(value, Mapping):
            return value
        value = value.get(step)
    return value


def replacements(
    stack: str, deployed: Mapping[str, Any], new: Mapping[str, Any], region: str
) -> Iterator[Replacement]:
    """Every resource of ``deployed`` that keeps data and that ``new`` replaces or drops."""
    new_resources: Mapping[str, Any] = new.get("Resources", {})
    for logical_id, resource in deployed.get("Resources", {}).items():
        if resource.get("DeletionPolicy") not in KEEPS_DATA:
            continue
        kind = resource["Type"]
        successor = new_resources.get(logical_id)
        if successor is None:
            yield Replacement(stack, logical_id, kind, "would be removed from the stack")
            continue
        if successor["Type"] != kind:
            yield Replacement(stack, logical_id, kind, f"would become a {successor['Type']}")
            continue
        before, after = resource.get("Properties", {}), successor.get("Properties", {})
        changed = [
            "/".join(path)
            for path in create_only_properties(region, kind)
            if _value_at(before, path) != _value_at(after, path)
        ]
        if changed:
            yield Replacement(
                stack, logical_id, kind, f"would be replaced: {', '.join(changed)} changed"
            )


def deployed_template(cloudformation: Any, stack: str) -> dict[str, Any] | None:
    """The template ``stack`` runs now, or ``None`` when it has not been deployed."""
    try:
        body = cloudformation.get_template(StackName=stack, TemplateStage="Original")
    except cloudformation.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    template = body["TemplateBody"]
    parsed: dict[str, Any] = json.loads(template) if isinstance(template, str) else template
    return parsed
