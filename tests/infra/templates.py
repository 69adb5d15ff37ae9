"""Small readers over synthesized CloudFormation templates, shared by the infra tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aws_cdk.assertions import Template

from pgplat.infra.app import Synthesis

Json = dict[str, Any]


def assertions(synthesis: Synthesis, stack: str) -> Template:
    return Template.from_json(synthesis.template(stack))


def resources(template: Json, resource_type: str) -> dict[str, Json]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def only(template: Json, resource_type: str) -> Json:
    found = list(resources(template, resource_type).values())
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    return found[0]


def props(template: Json, resource_type: str) -> Json:
    properties: Json = only(template, resource_type)["Properties"]
    return properties


def cmk_arn(template: Json) -> Json:
    """The Arn of the stack's own KMS key, as other resources reference it."""
    (logical_id,) = resources(template, "AWS::KMS::Key")
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (path, value) pair below ``node``, depth first."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, str(index)))
