"""cfn-lint with :mod:`pgplat.policy.lint_speedups` finds what cfn-lint as shipped finds:
on templates cut from the examples' data stacks and mutated at random (findings of every
kind among them, E3062's included), and on E3062's own cases; and every replacement is
made at the pinned cfn-lint, and undone by ``uninstall``."""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgplat.infra.app import Synthesis
from pgplat.policy import lint_speedups
from pgplat.policy.lint_child import LintMatch, lint_file, load_rules

ODD_VALUES: list[Any] = [  # copied where they are put: a later mutation may change them
    None,
    0,
    -1,
    "",
    "x" * 300,
    "true",
    True,
    [],
    {},
    ["a", 1],
    {"Ref": "Missing"},
    {"Ref": "AWS::Region"},
    {"Fn::GetAtt": ["Missing", "Arn"]},
    {"Fn::If": ["Missing", "a", "b"]},
    {"Fn::Sub": "${Missing}"},
    {"Fn::Join": ["", ["a", {"Ref": "AWS::AccountId"}]]},
]
"""Values a mutation puts in place of a property: wrong types, bad references, functions."""
INSTANCE_CLASS_CASES: list[tuple[dict[str, Any], int]] = [
    ({"Engine": "postgres", "EngineVersion": "17.5", "DBInstanceClass": "db.r3.large"}, 1),
    ({"Engine": "POSTGRES", "EngineVersion": "17.5", "DBInstanceClass": "db.r3.large"}, 1),
    ({"Engine": "mysql", "EngineVersion": "8.0.40", "DBInstanceClass": "db.r3.large"}, 1),
    ({"Engine": "postgres", "EngineVersion": "17.5", "DBInstanceClass": "db.m6g.large"}, 0),
    (
        {"Engine": "aurora-postgresql", "EngineVersion": "16.6", "DBInstanceClass": "db.t4g.micro"},
        0,
    ),
    ({"Engine": "postgres", "DBInstanceClass": "db.r3.large"}, 0),
    ({"Engine": "postgres", "EngineVersion": {"Ref": "AWS::Region"}, "DBInstanceClass": "x"}, 0),
    ({"Engine": {"Ref": "AWS::Region"}, "EngineVersion": "17.5", "DBInstanceClass": "x"}, 0),
    ({"Engine": {"Fn::If": ["C", "postgres", "mysql"]}, "EngineVersion": "17.5"}, 0),
    ({"Engine": "nope", "EngineVersion": "17.5", "DBInstanceClass": "db.r3.large"}, 0),
    ({"Engine": 5, "EngineVersion": 17, "DBInstanceClass": 3}, 0),
]
"""E3062's cases: DB instance properties, and how many E3062 findings cfn-lint gives them."""


def _lint_both_ways(template: dict[str, Any], region: str) -> tuple[list[LintMatch], ...]:
    """The matches of cfn-lint as shipped, then with the speedups installed."""
    with tempfile.TemporaryDirectory(prefix="pgplat-speedups-") as folder:
        path = Path(folder, "t.template.json")
        path.write_text(json.dumps(template, indent=1))
        shipped = lint_file(path, region)
        installed = lint_speedups.install(load_rules())
        try:
            faster = lint_file(path, region)
        finally:
            installed.uninstall()
    return shipped, faster


def _data_template(synthesis: Synthesis) -> tuple[dict[str, Any], str]:
    stack = next(info for name, info in synthesis.stacks.items() if name.endswith("-data"))
    return json.loads(stack.template_path.read_text()), stack.region


@st.composite
def _mutated(draw: st.DrawFn, template: dict[str, Any]) -> dict[str, Any]:
    """A few of ``template``'s resources (a DB instance among them, if it has one, its engine,
    class and version from E3062's cases), some with a property replaced, removed or added."""
    names = sorted(template["Resources"])
    databases = [n for n in names if template["Resources"][n]["Type"] == "AWS::RDS::DBInstance"]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    chosen += draw(st.lists(st.sampled_from(databases), max_size=1)) if databases else []
    cut = {k: v for k, v in template.items() if k not in ("Resources", "Outputs")}
    cut["Resources"] = {name: copy.deepcopy(template["Resources"][name]) for name in chosen}
    for name in chosen:
        properties = cut["Resources"][name].setdefault("Properties", {})
        if name in databases:
            properties.update(copy.deepcopy(draw(st.sampled_from(INSTANCE_CLASS_CASES))[0]))
        for _ in range(draw(st.integers(0, 2))):
            _mutate(properties, draw)
    return cut


def _mutate(node: Any, draw: st.DrawFn) -> None:
    """Replace, remove or add one value somewhere below ``node`` (a dict or a list)."""
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    if not keys or draw(st.integers(0, 4)) == 0:
        if isinstance(node, dict):
            added = draw(st.sampled_from(["Nope", "Tags", "Engine"]))
            node[added] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
        return
    key = draw(st.sampled_from(keys))
    child = node[key]
    if isinstance(child, (dict, list)) and child and draw(st.booleans()):
        _mutate(child, draw)
    elif isinstance(node, dict) and draw(st.booleans()):
        del node[key]
    else:
        node[key] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))


def _same_findings(synthesis: Synthesis, max_examples: int) -> Callable[[], None]:
    template, region = _data_template(synthesis)

    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(_mutated(template))
    def check(mutated: dict[str, Any]) -> None:
        shipped, faster = _lint_both_ways(mutated, region)
        assert faster == shipped

    return check


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["innovate_synth", "northwind_synth"])
@pytest.mark.parametrize("examples", [20, pytest.param(400, marks=pytest.mark.fuzz)])
def test_mutated_templates_get_cfn_lints_own_findings(
    fixture: str, examples: int, request: pytest.FixtureRequest
) -> None:
    _same_findings(request.getfixturevalue(fixture), max_examples=examples)()


def _instance(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Db": {"Type": "AWS::RDS::DBInstance", "Properties": properties}},
    }


@pytest.mark.parametrize(("properties", "e3062"), INSTANCE_CLASS_CASES)
def test_e3062_finds_the_same_wrong_instance_classes(
    properties: dict[str, Any], e3062: int
) -> None:
    shipped, faster = _lint_both_ways(_instance(properties), "us-east-1")
    assert faster == shipped
    assert sum(m.rule_id == "E3062" for m in shipped) == e3062


def test_every_replacement_is_made_at_the_pinned_cfn_lint_and_undone() -> None:
    import cfnlint.jsonschema.validators as validators

    rules = load_rules()
    rule, keyword_rule = (rules.data[r] for r in ("E3062", lint_speedups.KEYWORD_RULE))
    before = (validators.create, validators.fields, rule._schema, keyword_rule.cfnLint)
    installed = lint_speedups.install(rules)
    try:
        assert len(installed.made) == len(lint_speedups.REPLACEMENTS) + 2
        assert validators.create is not before[0]
        assert keyword_rule.cfnLint != before[3]
        assert len(rule._schema["allOf"]) == 14  # one per engine instead of 980 branches
    finally:
        installed.uninstall()
    assert (validators.create, validators.fields, rule._schema, keyword_rule.cfnLint) == before


@pytest.mark.parametrize(
    "schema",
    [
        {"allOf": [{"if": {"properties": {"Engine": {"const": "a"}}}, "then": {}}]},
        {"allOf": [{"if": {"properties": {}, "required": ["Engine"]}, "then": {}}]},
        {
            "allOf": [
                {
                    "if": {"properties": {"Engine": {"const": "a"}}, "required": ["Engine"]},
                    "then": {},
                    "else": {},
                }
            ]
        },
        {"allOf": [], "anyOf": []},
    ],
)
def test_a_schema_of_another_shape_is_left_as_cfn_lint_ships_it(schema: dict[str, Any]) -> None:
    assert lint_speedups.grouped_by_engine(schema) is None


def test_code_of_another_version_is_left_as_cfn_lint_ships_it() -> None:
    replacement = lint_speedups.REPLACEMENTS[0]
    assert replacement.expected(getattr(replacement.target(), replacement.name))
    assert not replacement.expected(lint_speedups.grouped_by_engine)
