"""Lookups into synthesized templates, shared by the access and k8s tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pgplat.infra.app import Synthesis

Resources = dict[str, dict[str, Any]]


def resources_of(synthesis: Synthesis, stack: str, type_: str) -> Resources:
    """Resources of one CloudFormation type in one stack, by logical id."""
    template = synthesis.template(stack)
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def role_named(synthesis: Synthesis, stack: str, name: str) -> tuple[str, dict[str, Any]]:
    """The (logical id, resource) of the IAM role called ``name``."""
    roles = resources_of(synthesis, stack, "AWS::IAM::Role")
    matches = [(k, v) for k, v in roles.items() if v["Properties"].get("RoleName") == name]
    assert len(matches) == 1, f"{name} in {stack}: {len(matches)} roles"
    return matches[0]


def role_names(synthesis: Synthesis, stack: str) -> set[str]:
    """Explicit names of the IAM roles in one stack."""
    roles = resources_of(synthesis, stack, "AWS::IAM::Role").values()
    return {r["Properties"]["RoleName"] for r in roles if "RoleName" in r["Properties"]}


def statements_of(synthesis: Synthesis, stack: str, logical_id: str) -> list[dict[str, Any]]:
    """Identity-policy statements attached to a role."""
    policies = resources_of(synthesis, stack, "AWS::IAM::Policy").values()
    return [
        statement
        for policy in policies
        if {"Ref": logical_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def all_resources(synthesis: Synthesis) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (stack, logical id, resource) of a synthesis."""
    for stack, template in synthesis.templates.items():
        for logical_id, resource in template["Resources"].items():
            yield stack, logical_id, resource
