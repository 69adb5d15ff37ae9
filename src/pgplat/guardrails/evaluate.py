"""Which Deny statements of a policy match a request: enough of IAM's evaluation logic to
prove that a guardrail denies a crossing and still allows production's own traffic.

Only Deny matters for guardrails, and only the condition operators they use are understood.
A statement with any other operator is never taken as denying, so an unknown guardrail is
reported as unproven rather than trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pgplat.guardrails.statements import Statement, listed

ContextValue = str | Sequence[str]


@dataclass(frozen=True)
class Request:
    """One authorization request: an action on a resource, with its condition-key context."""

    action: str
    resource: str = "*"
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@lru_cache(maxsize=512)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    body = re.escape(glob).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0)


def glob_match(glob: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard matching: ``*`` is any run of characters, ``?`` one character."""
    return bool(_pattern(glob, ignore_case).match(value))


class _UnknownOperator(Exception):
    """A condition operator this evaluator does not implement."""


def _matches_one(operator: str, policy_value: str, value: str) -> bool:
    if operator in ("StringEquals", "ArnEquals"):
        return value == policy_value
    if operator in ("StringLike", "ArnLike"):
        return glob_match(policy_value, value)
    if operator == "Bool":
        return value.lower() == policy_value.lower()
    raise _UnknownOperator(operator)


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _single(operator: str, policy_values: list[str], value: str) -> bool:
    """A single request value against the policy values (any of them, or none for NOT)."""
    positive = _NEGATED.get(operator, operator)
    hit = any(_matches_one(positive, p, value) for p in policy_values)
    return not hit if operator in _NEGATED else hit


def _condition_holds(operator: str, key: str, policy: Any, context: Mapping[str, Any]) -> bool:
    policy_values = [str(v) for v in listed(policy)]
    present = key in context
    if operator == "Null":
        return (policy_values[0].lower() == "true") != present
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if not present:
        if qualifier == "ForAllValues":
            return True
        return if_exists or (qualifier == "" and base in _NEGATED)
    values = [str(v) for v in listed(context[key])]
    if qualifier == "ForAnyValue":
        return any(_single(base, policy_values, v) for v in values)
    if qualifier == "ForAllValues":
        return all(_single(base, policy_values, v) for v in values)
    return _single(base, policy_values, values[0])


def _conditions_hold(condition: Mapping[str, Mapping[str, Any]], request: Request) -> bool:
    try:
        return all(
            _condition_holds(operator, key, value, request.context)
            for operator, keys in condition.items()
            for key, value in keys.items()
        )
    except _UnknownOperator:
        return False  # an operator we do not evaluate never proves a denial


def _any_glob(globs: Any, value: str, *, ignore_case: bool) -> bool:
    return any(glob_match(str(g), value, ignore_case=ignore_case) for g in listed(globs))


def _everyone(statement: Statement) -> bool:
    """Whether the statement names every principal (SCPs name none, so they do)."""
    if "NotPrincipal" in statement:
        return False
    principal = statement.get("Principal", "*")
    return principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*")


def _applies(statement: Statement, request: Request) -> bool:
    if not _everyone(statement):
        return False
    if "Action" in statement:
        if not _any_glob(statement["Action"], request.action, ignore_case=True):
            return False
    elif _any_glob(statement.get("NotAction", []), request.action, ignore_case=True):
        return False
    if "Resource" in statement:
        if not _any_glob(statement["Resource"], request.resource, ignore_case=False):
            return False
    elif _any_glob(statement.get("NotResource", []), request.resource, ignore_case=False):
        return False
    return _conditions_hold(statement.get("Condition", {}), request)


def denying_statements(statements: Iterable[Statement], request: Request) -> list[str]:
    """The Sids (or positions) of the Deny statements that match ``request``."""
    return [
        str(statement.get("Sid", index))
        for index, statement in enumerate(statements)
        if statement.get("Effect") == "Deny" and _applies(statement, request)
    ]
