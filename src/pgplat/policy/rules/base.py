"""What a rule is: a pure function from one template resource and a small context to a
three-way answer, plus the metadata a report needs (cdk-nag's rule shape, in Python)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from typing import Any

from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly, Resource, Stack
from pgplat.policy.findings import Severity


class Compliance(Enum):
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non-compliant"
    NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True)
class Verdict:
    """A rule's answer; ``detail`` says what exactly is wrong when non-compliant."""

    compliance: Compliance
    detail: str = ""
    severity: Severity | None = None
    """Reported at this severity instead of the rule's (see :func:`unprovable`)."""


COMPLIANT = Verdict(Compliance.COMPLIANT)
NOT_APPLICABLE = Verdict(Compliance.NOT_APPLICABLE)


def unprovable(detail: str) -> Verdict:
    """What the templates cannot show either way (a resource that is not pgplat's), checked
    elsewhere: an ``info`` finding that says so, never a silent pass nor a failed gate."""
    return Verdict(Compliance.NON_COMPLIANT, detail, "info")


def non_compliant(detail: str) -> Verdict:
    return Verdict(Compliance.NON_COMPLIANT, detail)


def verdict(ok: bool, detail: str) -> Verdict:
    """Compliant when ``ok``, otherwise non-compliant with ``detail``."""
    return COMPLIANT if ok else non_compliant(detail)


@dataclass(frozen=True)
class Context:
    """What a rule may look at besides its resource: the configuration, the environment the
    stack belongs to, and every template of the assembly (for cross-resource questions)."""

    config: PgplatConfig
    environment: str | None
    stack: Stack
    assembly: Assembly
    today: date

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    def resolve(self, value: Any) -> Resource | None:
        """The resource a ``Ref``, ``Fn::GetAtt`` or cross-stack ``Fn::ImportValue`` names."""
        if not isinstance(value, dict) or len(value) != 1:
            return None
        (function, argument), *_ = value.items()
        if function == "Ref" and isinstance(argument, str):
            return self.assembly.stack(self.stack.name).resource(argument)
        if function == "Fn::GetAtt":
            target = argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
            return self.assembly.stack(self.stack.name).resource(target)
        if function == "Fn::ImportValue" and isinstance(argument, str):
            return self._exported(argument)
        return None

    def _exported(self, export_name: str) -> Resource | None:
        for stack in self.assembly.stacks:
            for output in stack.template.get("Outputs", {}).values():
                if output.get("Export", {}).get("Name") == export_name:
                    scoped = replace(self, stack=stack)
                    return scoped.resolve(output.get("Value"))
        return None

    def resources(self, *types: str) -> Iterator[Resource]:
        """Resources of these types in every stack of this environment."""
        for stack in self.assembly.environment(self.environment):
            yield from (r for r in stack.resources if r.type in types)

    def references(self, value: Any, target: Resource) -> bool:
        """Whether ``value`` names ``target`` (directly or across stacks)."""
        found = self.resolve(value)
        return found is not None and (found.stack, found.logical_id) == (
            target.stack,
            target.logical_id,
        )


Check = Callable[[Resource, Context], Verdict]
ANY_TYPE = ("*",)


@dataclass(frozen=True)
class Rule:
    """A rule of our pack, as listed in the pack table."""

    id: str
    check: Check
    resource_types: tuple[str, ...]
    severity: Severity
    rationale: str
    enforces: str
    fix: str

    def applies_to(self, resource_type: str) -> bool:
        return resource_type in self.resource_types or self.resource_types == ANY_TYPE

    @property
    def name(self) -> str:
        """The compliant state, from the check's name (``database_not_public``)."""
        return self.check.__name__


def flat(value: Any) -> str:
    """A template value as text, intrinsics kept, for pattern questions like 'has a *'."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def as_list(value: Any) -> list[Any]:
    """A template value that may be one item or a list of them, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def truthy(value: Any) -> bool:
    """CloudFormation booleans arrive as ``true`` or ``"true"``."""
    return value is True or (isinstance(value, str) and value.lower() == "true")
