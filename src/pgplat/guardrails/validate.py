"""Structural validation of the guardrail documents, with the limits AWS enforces.

AWS Organizations counts an SCP's size without the whitespace it strips on save, so the
5,120-character limit is checked on the minified JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pgplat.guardrails.statements import POLICY_VERSION, listed

SCP_MAX_CHARS = 5120
KEY_POLICY_MAX_CHARS = 32768

DocumentKind = Literal["scp", "key-policy"]

_OPERATORS = {
    *(f"String{op}" for op in ("Equals", "NotEquals", "EqualsIgnoreCase", "NotEqualsIgnoreCase")),
    "StringLike",
    "StringNotLike",
    *(f"Numeric{op}" for op in ("Equals", "NotEquals", "LessThan", "LessThanEquals")),
    *(f"Numeric{op}" for op in ("GreaterThan", "GreaterThanEquals")),
    *(f"Date{op}" for op in ("Equals", "NotEquals", "LessThan", "LessThanEquals")),
    *(f"Date{op}" for op in ("GreaterThan", "GreaterThanEquals")),
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
}
_ACTION = re.compile(r"^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$")
_CONDITION_KEY = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9_.:/${}*-]+$")
_SID = re.compile(r"^[A-Za-z0-9]+$")
_STATEMENT_KEYS: dict[DocumentKind, set[str]] = {
    "scp": {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"},
    "key-policy": {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    },
}


def minified(document: Any) -> str:
    """The document as AWS stores and counts it."""
    return json.dumps(document, separators=(",", ":"))


def _valid_operator(operator: str) -> bool:
    if operator == "Null":
        return True
    _, _, base = operator.rpartition(":")
    if operator.count(":") > 1 or not (
        ":" not in operator or operator.startswith(("ForAllValues:", "ForAnyValue:"))
    ):
        return False
    return base.removesuffix("IfExists") in _OPERATORS


def _strings(value: Any) -> bool:
    items = listed(value)
    return bool(items) and all(isinstance(item, str) and item for item in items)


def _condition_problems(where: str, condition: Any) -> list[str]:
    if not isinstance(condition, dict) or not condition:
        return [f"{where}: Condition must be a non-empty object"]
    problems: list[str] = []
    for operator, keys in condition.items():
        if not _valid_operator(operator):
            problems.append(f"{where}: {operator!r} is not an IAM condition operator")
        if not isinstance(keys, dict) or not keys:
            problems.append(f"{where}: {operator} needs an object of condition keys")
            continue
        for key, value in keys.items():
            if not _CONDITION_KEY.match(key):
                problems.append(f"{where}: {key!r} is not a condition key")
            if not _strings(value):
                problems.append(f"{where}: {operator} {key} needs a string or list of strings")
    return problems


def _target_problems(where: str, statement: dict[str, Any]) -> list[str]:
    """Exactly one of Action/NotAction and of Resource/NotResource, actions as 'service:Action'."""
    problems = []
    for pair in (("Action", "NotAction"), ("Resource", "NotResource")):
        present = [key for key in pair if key in statement]
        if len(present) != 1:
            problems.append(f"{where}: exactly one of {' or '.join(pair)} is required")
            continue
        if not _strings(statement[present[0]]):
            problems.append(f"{where}: {present[0]} must be a string or list of strings")
    for key in ("Action", "NotAction"):
        if key in statement and _strings(statement[key]):
            problems.extend(
                f"{where}: {action!r} is not 'service:Action'"
                for action in listed(statement[key])
                if not _ACTION.match(action)
            )
    return problems


def _statement_problems(where: str, statement: Any, kind: DocumentKind) -> list[str]:
    if not isinstance(statement, dict):
        return [f"{where}: a statement must be an object"]
    problems = [
        f"{where}: {key!r} is not allowed in a {kind} statement"
        for key in statement
        if key not in _STATEMENT_KEYS[kind]
    ]
    if statement.get("Effect") not in ("Allow", "Deny"):
        problems.append(f"{where}: Effect must be 'Allow' or 'Deny'")
    sid = statement.get("Sid")
    if sid is not None and not (isinstance(sid, str) and _SID.match(sid)):
        problems.append(f"{where}: Sid must be letters and digits only")
    problems.extend(_target_problems(where, statement))
    if kind == "key-policy" and "Principal" not in statement and "NotPrincipal" not in statement:
        problems.append(f"{where}: a key policy statement needs a Principal")
    if "Condition" in statement:
        problems.extend(_condition_problems(where, statement["Condition"]))
    return problems


def statements_problems(statements: Any, kind: DocumentKind, where: str = "") -> list[str]:
    """Problems of a statement list; Sids must be unique within it."""
    if not isinstance(statements, list) or not statements:
        return [f"{where}Statement must be a non-empty list"]
    problems: list[str] = []
    for index, statement in enumerate(statements):
        problems.extend(_statement_problems(f"{where}Statement[{index}]", statement, kind))
    sids = [str(s["Sid"]) for s in statements if isinstance(s, dict) and "Sid" in s]
    problems.extend(
        f"{where}Sid {sid!r} is repeated" for sid in sorted({s for s in sids if sids.count(s) > 1})
    )
    return problems


def document_problems(document: Any, kind: DocumentKind) -> list[str]:
    """Everything that would make AWS reject the policy document; empty when valid."""
    if not isinstance(document, dict):
        return ["a policy document must be a JSON object"]
    problems = [
        f"{key!r} is not a policy document element"
        for key in document
        if key not in ("Version", "Id", "Statement")
    ]
    if document.get("Version") != POLICY_VERSION:
        problems.append(f"Version must be {POLICY_VERSION!r}")
    problems.extend(statements_problems(document.get("Statement"), kind))
    limit = SCP_MAX_CHARS if kind == "scp" else KEY_POLICY_MAX_CHARS
    size = len(minified(document))
    if size > limit:
        problems.append(f"{size} characters, over the {kind} limit of {limit}")
    return problems
