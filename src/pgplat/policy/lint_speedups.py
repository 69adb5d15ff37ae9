"""cfn-lint with the same findings in about half its time, for the linter's workers.

A profile of cfn-lint on pgplat's data templates (docs/check-profile.md) spent a third of its
time rebuilding what does not change from one call to the next, and a fifth in one dispatch
loop. :func:`install` replaces five of its pieces:

- ``cfnlint.jsonschema.validators.create`` defines a new ``Validator`` dataclass on every
  call, and every rule extending a validator calls it: hundreds of class definitions per
  template, each compiling its methods. The replacement returns the class defined before for
  the same keyword validators, function filter and resolvers: all such a class holds (its
  instances carry the schema, the template and the context).
- ``BaseJsonSchema.extend_validator`` builds a throwaway validator, and with it an empty
  template, only to ``evolve`` it into the one it returns. The replacement builds that one.
- ``dataclasses.fields``, which every ``evolve`` of a validator, context, path or function
  filter calls, is remembered per class (a dataclass's fields are fixed once it is defined).
- E3062 (instance class for engine and version) descends 980 ``if``/``then`` branches per DB
  instance, 70 for each engine. Its schema is regrouped under one ``if`` per engine: a branch
  whose ``if`` wants another engine never applies (there is no ``else``; cfn-lint drops an
  undecidable ``if``'s error), so the instance meets its engine's 70 branches, in order.
- E1101 hands each ``cfnLint`` keyword to its child rules by comparing it with every keyword
  of each of them; the replacement looks them up in an index (:func:`_indexed_cfn_lint`).

Each replacement is made only where the target is the code it was written against: the hash
of a function's source, the standard ``fields`` itself, or the shape of E3062's schema.
Anything else runs as cfn-lint ships it: slower, and as right. Tests lint templates with and
without the replacements (mutated ones, with findings, among them) and hold the findings
equal, and hold every replacement made at the pinned cfn-lint version. `make bench` measures
the time they save (``bench/bench_lint.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cfnlint.rules import RulesCollection

INSTANCE_CLASS_RULE = "E3062"
KEYWORD_RULE = "E1101"
"""The rule that hands each ``cfnLint`` keyword of a schema to the child rules that check it."""
KEYWORD_RULE_SOURCE = "23947c8987cd5a17a598e63b579c6826d57ec83fbad47c0f21953fe5c39dcb63"
"""The hash of the source of E1101's ``cfnLint`` that :func:`_indexed_cfn_lint` replaces."""


@dataclass(frozen=True)
class Replacement:
    """``name`` of ``owner`` (``module`` or ``module:Class``) replaced by ``build(original)``,
    if ``expected(original)``: the original is the code the replacement was written against."""

    owner: str
    name: str
    expected: Callable[[Any], bool]
    build: Callable[[Any], Any]

    def target(self) -> Any:
        module, _, cls = self.owner.partition(":")
        found = importlib.import_module(module)
        return getattr(found, cls) if cls else found


def _source_hash_is(sha256: str) -> Callable[[Any], bool]:
    """Whether a function's source is, byte for byte, the one with hash ``sha256``."""

    def expected(function: Any) -> bool:
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest() == sha256

    return expected


def _remembered_create(create: Callable[..., type]) -> Callable[..., type]:
    """``create``, defining one class per distinct set of arguments."""
    from cfnlint.jsonschema._filter import FunctionFilter

    defined: dict[tuple[object, ...], type] = {}

    def remembered(
        validators: Mapping[str, Any] | None = None,
        function_filter: FunctionFilter | None = None,
        fn_resolvers: Mapping[str, Any] | None = None,
    ) -> type:
        chosen = function_filter or FunctionFilter()
        key = (
            tuple((validators or {}).items()),
            type(chosen),
            tuple(getattr(chosen, f.name) for f in dataclasses.fields(chosen) if f.init),
            tuple((fn_resolvers or {}).items()),
        )
        if key not in defined:
            defined[key] = create(validators, chosen, fn_resolvers)
        return defined[key]

    return remembered


def _direct_extend_validator(_original: Callable[..., Any]) -> Callable[..., Any]:
    """``extend_validator``, without the throwaway validator it evolves its result from."""
    from cfnlint.schema.resolver import RefResolver

    def extend_validator(
        self: Any,
        validator: Any,
        schema: Any,
        context: Any,
        validators: dict[str, Any] | None = None,
    ) -> Any:
        all_validators = self._get_validators()
        if validators:
            all_validators.update(validators)
        extended = validator.extend(validators=all_validators)
        return extended(
            schema=schema,
            cfn=validator.cfn,
            context=context,
            resolver=RefResolver.from_schema(schema),
        )

    return extend_validator


def _remembered_fields(fields: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fields``, computed once per class. The cache is bounded: should ``create`` run as
    shipped, it defines a class per call, and those must not be kept forever."""
    of_class = functools.lru_cache(maxsize=1024)(fields)

    def remembered(class_or_instance: Any) -> Any:
        cls: type = (
            class_or_instance if isinstance(class_or_instance, type) else type(class_or_instance)
        )
        return of_class(cls)

    return remembered


REPLACEMENTS = (
    Replacement(
        "cfnlint.jsonschema.validators",
        "create",
        _source_hash_is("2d1dd51fbc7a640b01868d3224cefa20d9815bcf85ef8e0b16fbc79fd839eabe"),
        _remembered_create,
    ),
    Replacement(
        "cfnlint.rules.jsonschema.Base:BaseJsonSchema",
        "extend_validator",
        _source_hash_is("512d7e20846250f7c577fee0498db32c9f0a054fc84195f800e4185dd16a8b5f"),
        _direct_extend_validator,
    ),
    *(
        Replacement(module, "fields", lambda found: found is dataclasses.fields, _remembered_fields)
        for module in (
            "cfnlint.context.context",
            "cfnlint.jsonschema._filter",
            "cfnlint.jsonschema.validators",
        )
    ),
)
"""The replacements of cfn-lint's functions, each with what it expects to replace."""


def grouped_by_engine(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """E3062's schema with its branches under one ``if`` per engine (in their order), or None
    when a branch is not an ``if`` on a constant engine with a ``then`` and no ``else``."""
    branches = schema.get("allOf")
    if not isinstance(branches, list) or set(schema) - {"allOf", "description"}:
        return None
    by_engine: dict[str, list[Any]] = {}
    for branch in branches:
        engine = _constant_engine(branch)
        if engine is None:
            return None
        by_engine.setdefault(engine, []).append(branch)
    return {
        **schema,
        "allOf": [
            {
                "if": {"properties": {"Engine": {"const": engine}}, "required": ["Engine"]},
                "then": {"allOf": grouped},
            }
            for engine, grouped in by_engine.items()
        ],
    }


def _constant_engine(branch: Any) -> str | None:
    """The engine a branch's ``if`` requires, if that is all it is sure to require of it."""
    if not isinstance(branch, dict) or set(branch) != {"if", "then"}:
        return None
    condition = branch["if"]
    engine = (
        condition.get("properties", {}).get("Engine", {}) if isinstance(condition, dict) else {}
    )
    const = engine.get("const") if isinstance(engine, dict) else None
    required = condition.get("required", []) if isinstance(condition, dict) else []
    if not isinstance(const, str) or const.lower() in ("true", "false") or "Engine" not in required:
        return None
    return const


def _indexed_cfn_lint(rule: Any) -> Callable[..., Iterator[Any]]:
    """E1101's ``cfnLint``, finding the child rules of a keyword in an index instead of
    comparing the keyword with every keyword of each of its ~200 child rules: a fifth of a
    data template's lint. cfn-lint wires the child rules at the start of each template's run,
    so the index is made again for each template (in the children's order, a child once per
    time it lists the keyword, as the original loop meets them)."""
    from cfnlint.jsonschema._utils import Unset

    indexed: list[Any] = [None, {}]  # the template the index was made for, and the index

    def cfn_lint(validator: Any, keywords: Any, instance: Any, schema: Any) -> Iterator[Any]:
        validator = validator.evolve(
            function_filter=validator.function_filter.evolve(add_cfn_lint_keyword=False)
        )
        if indexed[0] is not validator.cfn:
            by_keyword: dict[str, list[Any]] = {}
            for child in rule.child_rules.values():
                if child is not None and child.id:
                    for keyword in child.keywords:
                        by_keyword.setdefault(keyword, []).append(child)
            indexed[:] = [validator.cfn, by_keyword]
        for keyword in keywords:
            for child in indexed[1].get(keyword, ()):
                for err in child.validate(validator, keyword, instance, schema):
                    if err.rule is None and isinstance(err.validator, Unset):
                        err.rule = child
                    yield err

    return cfn_lint


@dataclass
class Installed:
    """What :func:`install` made, by name, and how to put cfn-lint back as it was."""

    made: list[str] = field(default_factory=list)
    _undo: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def uninstall(self) -> None:
        for step in reversed(self._undo):
            step()
        self._undo.clear()


def install(rules: RulesCollection) -> Installed:
    """Make each replacement whose target is what it expects; of ``rules``, index E1101's
    child rules and regroup E3062's schema if they are what they expect."""
    installed = Installed()
    for replacement in REPLACEMENTS:
        target = replacement.target()
        original = getattr(target, replacement.name)
        if replacement.expected(original):
            setattr(target, replacement.name, replacement.build(original))
            installed._undo.append(functools.partial(setattr, target, replacement.name, original))
            installed.made.append(f"{replacement.owner}.{replacement.name}")
    rule = rules.data.get(INSTANCE_CLASS_RULE)
    grouped = grouped_by_engine(rule._schema) if rule is not None else None
    if grouped is not None:
        installed._undo.append(functools.partial(setattr, rule, "_schema", rule._schema))
        installed.made.append(f"{INSTANCE_CLASS_RULE}'s schema, grouped by engine")
        rule._schema = grouped
    keyword_rule = rules.data.get(KEYWORD_RULE)
    if keyword_rule is not None and _source_hash_is(KEYWORD_RULE_SOURCE)(
        type(keyword_rule).cfnLint
    ):
        # on the instance: cfn-lint loads each rule's module under a name of its own, and
        # asks the instance for the method whenever it extends a validator
        keyword_rule.cfnLint = _indexed_cfn_lint(keyword_rule)
        installed._undo.append(functools.partial(delattr, keyword_rule, "cfnLint"))
        installed.made.append(f"{KEYWORD_RULE}'s child rules, indexed by keyword")
    return installed
