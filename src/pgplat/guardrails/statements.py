"""Building blocks of the guardrail documents: IAM policy statements, spelled one way."""

from __future__ import annotations

from typing import Any

Statement = dict[str, Any]
Document = dict[str, Any]
Condition = dict[str, dict[str, Any]]

POLICY_VERSION = "2012-10-17"


def deny(
    sid: str,
    actions: list[str],
    resources: list[str] | str = "*",
    condition: Condition | None = None,
    *,
    any_principal: bool = False,
) -> Statement:
    """A Deny statement; ``any_principal`` adds ``Principal: *`` (key policies need it)."""
    statement: Statement = {"Sid": sid, "Effect": "Deny"}
    if any_principal:
        statement["Principal"] = {"AWS": "*"}
    statement["Action"] = actions
    statement["Resource"] = resources
    if condition:
        statement["Condition"] = condition
    return statement


def listed(value: Any) -> list[Any]:
    """A policy element as a list: IAM lets one value stand for a list of one."""
    return list(value) if isinstance(value, list | tuple) else [value]


def document(statements: list[Statement]) -> Document:
    return {"Version": POLICY_VERSION, "Statement": statements}
