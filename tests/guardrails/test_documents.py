"""The generated SCPs and key-policy statements are valid IAM policies AWS would accept,
and name only actions and condition keys that exist in the IAM service authorization
reference (the data set parliament ships)."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.guardrails import Guardrails, build_guardrails
from pgplat.guardrails.statements import Statement
from pgplat.guardrails.validate import SCP_MAX_CHARS, document_problems, minified

# Keys every AWS request carries whatever the service (aws:*), per the IAM reference.
GLOBAL_PREFIX = "aws:"


@cache
def iam_reference() -> dict[str, dict[str, Any]]:
    """The reference by service prefix; read from parliament's data without importing it
    (its import needs setuptools' pkg_resources)."""
    spec = importlib.util.find_spec("parliament")
    assert spec is not None
    assert spec.submodule_search_locations is not None
    path = Path(spec.submodule_search_locations[0]) / "iam_definition.json"
    return {service["prefix"]: service for service in json.loads(path.read_text())}


def action_keys(action: str) -> set[str] | None:
    """Condition keys the reference lists for ``action``, a wildcard (``kms:*``) standing for
    every action it matches (None when the action is unknown)."""
    prefix, name = action.split(":")
    service = iam_reference().get(prefix)
    if service is None:
        return None
    matched = [p for p in service["privileges"] if fnmatch.fnmatchcase(p["privilege"], name)]
    if not matched:
        return None
    keys: set[str] = set()
    for privilege in matched:
        keys.update(k for r in privilege["resource_types"] for k in r["condition_keys"])
        resources = {r["resource_type"].rstrip("*") for r in privilege["resource_types"]}
        for resource in service["resources"]:
            if resource["resource"] in resources:
                keys.update(resource["condition_keys"])
    return keys


def all_statements(guardrails: Guardrails) -> list[Statement]:
    scp_statements = [s for d in guardrails.scps.values() for s in d["Statement"]]
    return [*scp_statements, *guardrails.key_statements]


@pytest.fixture(scope="module", params=["innovate", "northwind"])
def guardrails(request: pytest.FixtureRequest) -> Guardrails:
    config: PgplatConfig = request.getfixturevalue(request.param)
    return build_guardrails(config)


def test_documents_are_valid(guardrails: Guardrails) -> None:
    assert guardrails.problems() == []
    for name, document in guardrails.scps.items():
        assert document["Version"] == "2012-10-17", name
        assert all(s["Effect"] == "Deny" and "Principal" not in s for s in document["Statement"])


def test_scps_fit_the_organizations_limit(guardrails: Guardrails) -> None:
    for name, document in guardrails.scps.items():
        size = len(minified(document))
        assert size == guardrails.sizes()[name]
        assert 0 < size <= SCP_MAX_CHARS


def test_every_action_exists_in_the_iam_reference(guardrails: Guardrails) -> None:
    for statement in all_statements(guardrails):
        for action in statement["Action"]:
            if action.endswith(":*"):
                assert action.split(":")[0] in iam_reference(), action
            else:
                assert action_keys(action) is not None, f"{action} is not an IAM action"


def test_condition_keys_apply_to_their_actions(guardrails: Guardrails) -> None:
    for statement in all_statements(guardrails):
        for keys in statement.get("Condition", {}).values():
            for key in keys:
                if key.startswith(GLOBAL_PREFIX):
                    continue
                applicable = [action_keys(a) or set() for a in statement["Action"]]
                assert any(key in k for k in applicable), (
                    f"{key} applies to none of {statement['Action']}"
                )


def resource_templates(action: str) -> list[re.Pattern[str]]:
    """The ARN formats of the resource types ``action`` acts on, as patterns."""
    prefix, name = action.split(":")
    service = iam_reference()[prefix]
    privilege = next(p for p in service["privileges"] if p["privilege"] == name)
    types = {r["resource_type"].rstrip("*") for r in privilege["resource_types"]}
    return [
        re.compile(_arn_regex(r["arn"])) for r in service["resources"] if r["resource"] in types
    ]


def _arn_regex(arn_format: str) -> str:
    """``arn:${Partition}:rds:${Region}:${Account}:snapshot:${SnapshotName}`` as a regex in
    which every ``${…}`` placeholder and ``*`` stands for any non-empty text."""
    parts = re.split(r"\$\{[^}]*\}|\*", arn_format)
    return "^" + ".+".join(re.escape(part) for part in parts) + "$"


def test_resource_patterns_fit_the_resource_types_of_their_actions(guardrails: Guardrails) -> None:
    for statement in all_statements(guardrails):
        resources = statement["Resource"]
        if resources == "*":
            continue
        examples = [r.replace("*", "x") for r in resources]
        for action in statement["Action"]:
            if action.endswith("*"):
                continue
            formats = resource_templates(action)
            assert any(f.match(e) for f in formats for e in examples), (action, resources)


def test_key_statements_name_every_principal(guardrails: Guardrails) -> None:
    for statement in guardrails.key_statements:
        assert statement["Principal"] == {"AWS": "*"}
        assert statement["Effect"] == "Deny"


def test_scps_name_only_the_production_accounts_and_the_bunker(innovate: PgplatConfig) -> None:
    text = json.dumps(build_guardrails(innovate).scps)
    bunker = innovate.environments.prod.backup.bunker_copy
    assert bunker is not None
    accounts = {innovate.accounts.data, innovate.accounts.app, bunker.account}
    assert set(re.findall(r"\d{12}", text)) == accounts
    assert bunker.vault_arn in text, "the bunker account appears only as the one copy target"


BROKEN: list[tuple[str, dict[str, Any], str]] = [
    ("version", {"Version": "2008-10-17"}, "Version must be"),
    ("extra element", {"Policy": {}}, "not a policy document element"),
    ("empty statements", {"Statement": []}, "non-empty list"),
]
BROKEN_STATEMENT: list[tuple[str, dict[str, Any], str]] = [
    ("principal in an SCP", {"Principal": "*"}, "'Principal' is not allowed"),
    ("effect", {"Effect": "Block"}, "Effect must be"),
    ("action format", {"Action": ["rds CopyDBSnapshot"]}, "is not 'service:Action'"),
    (
        "operator",
        {"Condition": {"StringMatches": {"aws:PrincipalAccount": "1"}}},
        "not an IAM condition operator",
    ),
    (
        "condition key",
        {"Condition": {"StringEquals": {"PrincipalAccount": "1"}}},
        "not a condition key",
    ),
    (
        "condition value",
        {"Condition": {"StringEquals": {"aws:PrincipalAccount": 1}}},
        "string or list",
    ),
    ("sid", {"Sid": "deny-all"}, "Sid must be"),
]


@pytest.mark.parametrize(("case", "change", "expected"), BROKEN, ids=[c[0] for c in BROKEN])
def test_validator_rejects_broken_documents(
    innovate: PgplatConfig, case: str, change: dict[str, Any], expected: str
) -> None:
    document = {**build_guardrails(innovate).scps["scp-prod-data-perimeter"], **change}
    assert any(expected in p for p in document_problems(document, "scp")), case


@pytest.mark.parametrize(
    ("case", "change", "expected"), BROKEN_STATEMENT, ids=[c[0] for c in BROKEN_STATEMENT]
)
def test_validator_rejects_broken_statements(
    innovate: PgplatConfig, case: str, change: dict[str, Any], expected: str
) -> None:
    document = build_guardrails(innovate).scps["scp-prod-data-perimeter"]
    statements = [{**document["Statement"][0], **change}, *document["Statement"][1:]]
    problems = document_problems({**document, "Statement": statements}, "scp")
    assert any(expected in p for p in problems), (case, problems)


def test_validator_requires_exactly_one_resource_element(innovate: PgplatConfig) -> None:
    document = build_guardrails(innovate).scps["scp-prod-data-perimeter"]
    statement = {k: v for k, v in document["Statement"][0].items() if k != "Resource"}
    problems = document_problems({**document, "Statement": [statement]}, "scp")
    assert problems == ["Statement[0]: exactly one of Resource or NotResource is required"]


def padded(statement: Statement, count: int) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{**statement, "Sid": f"Copy{i}"} for i in range(count)],
    }


def test_validator_counts_size_as_aws_does(innovate: PgplatConfig) -> None:
    """Whitespace does not count: the limit applies to the minified document."""
    statement = build_guardrails(innovate).scps["scp-nonprod-deny-prod-data"]["Statement"][0]
    count = 1
    while len(minified(padded(statement, count + 1))) <= SCP_MAX_CHARS:
        count += 1
    fits, too_big = padded(statement, count), padded(statement, count + 1)
    assert len(json.dumps(fits, indent=2)) > SCP_MAX_CHARS
    assert document_problems(fits, "scp") == []
    problems = document_problems(too_big, "scp")
    assert problems == [
        f"{len(minified(too_big))} characters, over the scp limit of {SCP_MAX_CHARS}"
    ]
