"""No IAM policy grants ``rds-db:connect`` on a wildcard: each role connects as one user of
one cluster (``dbuser:<cluster-resource-id>/<user>``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from pgplat.policy.assembly import Resource
from pgplat.policy.rules.base import Context, Verdict, as_list, flat, verdict

_ACTION = "rds-db:connect"


def db_connect_not_wildcard(resource: Resource, context: Context) -> Verdict:
    problems = [
        problem
        for document in _documents(resource)
        for statement in as_list(document.get("Statement"))
        for problem in _statement_problems(statement)
    ]
    return verdict(not problems, "; ".join(problems))


def _documents(resource: Resource) -> Iterator[Mapping[str, Any]]:
    props = resource.properties
    if "PolicyDocument" in props:
        yield props["PolicyDocument"]
    for policy in props.get("Policies", []):
        yield policy.get("PolicyDocument", {})


def _statement_problems(statement: Mapping[str, Any]) -> Iterator[str]:
    if statement.get("Effect") != "Allow":
        return
    actions = [str(a).lower() for a in as_list(statement.get("Action"))]
    if not any(fnmatchcase(_ACTION, pattern) for pattern in actions):
        return
    sid = statement.get("Sid", "a statement")
    if "NotResource" in statement:
        yield f"{sid} grants {_ACTION} with NotResource"
    for target in as_list(statement.get("Resource")):
        if "*" in flat(target):
            yield f"{sid} grants {_ACTION} on {flat(target)}"
