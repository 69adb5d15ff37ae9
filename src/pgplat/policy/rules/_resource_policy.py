"""Who a resource policy lets in: a statement that allows anyone (``"*"``) or an account
outside the configuration must carry a condition that narrows the caller back to the
organisation (its accounts, its organisation id, or one source resource).

Templates hold intrinsics (``Fn::Join`` around ``arn:…:iam::<account>:root``), so principals
and condition values are read as text (:func:`flat`) and their account ids picked out; an
intrinsic with no literal account in it (``Fn::GetAtt`` of our role, ``AWS::AccountId``)
names something of this stack's account.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pgplat.policy.rules.base import Context, Verdict, as_list, flat, verdict

_ACCOUNT = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_ACCOUNT_KEYS = frozenset(
    {"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "kms:calleraccount"}
)
_ORGANISATION_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid"})
_ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})
_ORG_PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})
_NARROWING_OPERATORS = ("stringequals", "stringlike", "arnequals", "arnlike")
"""Operators that admit only the listed values (``…IfExists`` and ``…Not…`` admit others)."""


def policy_exposure(document: Any, context: Context, where: str) -> Verdict:
    """Compliant when no Allow statement of ``document`` admits an outsider unnarrowed."""
    problems = [
        problem
        for number, statement in enumerate(_statements(document), start=1)
        for problem in _statement_problems(statement, context, f"{where} statement {number}")
    ]
    return verdict(not problems, "; ".join(problems))


def _statements(document: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return
    if not isinstance(document, Mapping):
        return
    statements = document.get("Statement", [])
    yield from (s for s in as_list(statements) if isinstance(s, Mapping))


def _statement_problems(
    statement: Mapping[str, Any], context: Context, where: str
) -> Iterator[str]:
    if statement.get("Effect") != "Allow":
        return
    label = f"{where} ({statement['Sid']})" if statement.get("Sid") else where
    actions = flat(statement.get("Action", statement.get("NotAction", "")))
    if "NotPrincipal" in statement:
        outsider: str | None = "everyone but the named principals (NotPrincipal)"
    else:
        outsider = _outsider(statement.get("Principal"), context)
    if outsider is not None and not _narrowed(statement.get("Condition"), context):
        yield (
            f"{label} lets {outsider} call {actions} with no condition narrowing the caller "
            "to the organisation"
        )


def _outsider(principal: Any, context: Context) -> str | None:
    """Who outside the organisation ``principal`` admits, or None when it admits no one."""
    if principal == "*":
        return 'anyone (Principal "*")'
    if isinstance(principal, Mapping):
        aws = as_list(principal.get("AWS"))
    elif isinstance(principal, str) and not principal.endswith(".amazonaws.com"):
        aws = [principal]
    else:
        return None  # AWS services: scoped by the service, not by an account
    if any(flat(p) == "*" for p in aws):
        return 'anyone (Principal {"AWS": "*"})'
    foreign = sorted(_foreign_accounts(aws, context))
    return f"account(s) {', '.join(foreign)} outside the configuration" if foreign else None


def _narrowed(condition: Any, context: Context) -> bool:
    """Whether some condition admits only callers of the organisation's accounts."""
    if not isinstance(condition, Mapping):
        return False
    return any(
        _narrows(key.lower(), as_list(values), context)
        for operator, clauses in condition.items()
        if str(operator).lower().removeprefix("forallvalues:").removeprefix("foranyvalue:")
        in _NARROWING_OPERATORS
        and isinstance(clauses, Mapping)
        for key, values in clauses.items()
    )


def _narrows(key: str, values: list[Any], context: Context) -> bool:
    if not values or any(flat(v) in ("*", "") for v in values):
        return False
    if key in _ACCOUNT_KEYS or key in _ARN_KEYS:
        return not _foreign_accounts(values, context)
    if key in _ORGANISATION_KEYS or key in _ORG_PATH_KEYS:
        organisation = context.config.accounts.organization_id
        return organisation is None or all(organisation in flat(v) for v in values)
    return False


def _foreign_accounts(values: list[Any], context: Context) -> set[str]:
    accounts = context.config.accounts
    ours = {accounts.data, accounts.app, accounts.nonprod}
    return {found for v in values for found in _ACCOUNT.findall(flat(v))} - ours
