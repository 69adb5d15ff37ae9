"""Random mutations of a valid file end in a valid config or one ConfigError, never a traceback.

Three families, 1,000 examples together in CI (:data:`CI`): structural (the data, dumped
again), line edits, and hostile YAML text (anchors and aliases, alias bombs, deep nesting,
huge and odd numbers, tags, directives, merge keys, raw noise). ``make fuzz`` runs the same
properties with :data:`LARGE` examples each (marker ``fuzz``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgplat.config.errors import ConfigError
from pgplat.config.loader import parse_config
from tests.fixtures.examples import INNOVATE

TEXT = INNOVATE.read_text()
LINES = TEXT.splitlines()
DATA: dict[str, Any] = yaml.safe_load(TEXT)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
VALUE_LINES = [i for i, line in enumerate(LINES) if re.match(r"^\s*[\w-]+: \S", line)]
"""Lines of the form ``key: value``, where a value can be swapped for hostile text."""

CI = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""The CI profile: the example counts below add up to 1,000 (about 20 s on two cores)."""
LARGE = settings(CI, max_examples=5_000)
"""The ``make fuzz`` profile, per property."""

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**13), max_value=10**13),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["10.0.0.0/16", "0.0.0.0/0", "db.t3.micro", "14", "aurora", "mon", "25:00"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += _paths(child, (*prefix, i))
    return found


PATHS = _paths(DATA)


def _parse(text: str) -> None:
    """The property: pgplat either accepts the text or refuses it with one located line."""
    try:
        parse_config(text, "fuzz.yaml")
    except ConfigError as error:
        for problem in error.problems:
            message = str(problem)
            assert message.startswith("fuzz.yaml")
            assert "\n" not in message
            assert "Traceback" not in message
            assert len(message) < 1_000


def _structural(path: tuple[Any, ...], value: Any, delete: bool) -> None:
    data = copy.deepcopy(DATA)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    _parse(yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True))


def _line_edit(line: int, operation: str, noise: str) -> None:
    lines = list(LINES)
    if operation == "delete":
        del lines[line]
    elif operation == "duplicate":
        lines.insert(line, lines[line])
    elif operation == "replace":
        key, sep, _ = lines[line].partition(":")
        lines[line] = f"{key}{sep} {noise}" if sep else noise
    elif operation == "indent":
        lines[line] = "  " + lines[line]
    else:
        lines[line] = lines[line].lstrip()
    _parse("\n".join(lines) + "\n")


def _value_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if re.match(r"^\s*[\w-]+: \S", line)]


def _target(draw: st.DrawFn, lines: list[str]) -> int:
    """A ``key: value`` line of the text as earlier edits left it (one is added if none is)."""
    present = _value_lines(lines)
    if not present:
        lines.append("extra: value")
        present = [len(lines) - 1]
    return draw(st.sampled_from(present))


def _with_value(lines: list[str], index: int, value: str) -> None:
    key, _, _ = lines[index].partition(": ")
    lines[index] = f"{key}: {value}"


@st.composite
def _aliases(draw: st.DrawFn, lines: list[str]) -> None:
    """An anchor on one value and aliases (maybe before it, maybe inside it) elsewhere."""
    anchored = _target(draw, lines)  # an earlier edit may have cut or replaced lines
    present = _value_lines(lines)
    key, _, value = lines[anchored].partition(": ")
    shape = draw(st.sampled_from(["plain", "self", "list", "merge"]))
    inner = {"plain": value, "self": "[*x]", "list": "[*x, *x]", "merge": "{<<: *x}"}[shape]
    lines[anchored] = f"{key}: &x {inner}"
    for target in draw(st.lists(st.sampled_from(present), max_size=3)):
        _with_value(lines, target, draw(st.sampled_from(["*x", "[*x]", "{<<: *x}", "*y"])))


@st.composite
def _bomb(draw: st.DrawFn, lines: list[str]) -> None:
    levels, width = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    bomb = ['x0: &x0 "lol"']
    for level in range(1, levels + 1):
        bomb.append(f"x{level}: &x{level} [{', '.join([f'*x{level - 1}'] * width)}]")
    lines[:0] = bomb


@st.composite
def _nesting(draw: st.DrawFn, lines: list[str]) -> None:
    depth = draw(st.integers(1, 6_000))
    opener = draw(st.sampled_from(["[", "{a: ", "[{a: ", "- "]))
    closed = draw(st.booleans())
    closer = {"[": "]", "{a: ": "}", "[{a: ": "}]", "- ": ""}[opener] * depth if closed else ""
    _with_value(lines, _target(draw, lines), opener * depth + "1" + closer)


@st.composite
def _deep_block(draw: st.DrawFn, lines: list[str]) -> None:
    depth = draw(st.integers(1, 300))
    block = [" " * level + f"k{level}:" for level in range(depth)]
    lines[draw(st.integers(0, len(lines))) : draw(st.integers(0, len(lines)))] = block


@st.composite
def _number(draw: st.DrawFn, lines: list[str]) -> None:
    digits = draw(st.integers(1, 6_000).map(lambda n: "9" * n) | st.from_regex(r"\A0*\d{1,20}\Z"))
    number = draw(
        st.sampled_from(
            [
                digits,
                f"-{digits}",
                f"0{digits}",
                f"1.{digits}",
                f"1e{digits}",
                f"0x{digits}",
                f"0o{digits}",
                f"0b{digits}",
                "1_000",
                ".inf",
                "-.inf",
                ".nan",
                "0x",
                "1e",
                "14.10",
            ]
        )
    )
    _with_value(lines, _target(draw, lines), number)


@st.composite
def _tagged(draw: st.DrawFn, lines: list[str]) -> None:
    tag = draw(
        st.sampled_from(
            ["!!int", "!!float", "!!bool", "!!null", "!!str", "!!binary", "!!timestamp", "!!set",
             "!!omap", "!!pairs", "!!map", "!!seq", "!!python/object:os.system", "!foo", "!"]
        )
    )  # fmt: skip
    index = _target(draw, lines)
    key, _, value = lines[index].partition(": ")
    lines[index] = f"{key}: {tag} {draw(st.sampled_from([value, '2026-13-45', 'maybe', '']))}"


@st.composite
def _directive(draw: st.DrawFn, lines: list[str]) -> None:
    major, minor = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    head = draw(
        st.sampled_from(
            [f"%YAML {major}.{minor}", "%TAG ! tag:example.com,2000:", "%FOO bar", "---", "..."]
        )
    )
    lines[:0] = [head, "---"] if head.startswith("%") else [head]


@st.composite
def _noise(draw: st.DrawFn, lines: list[str]) -> None:
    index = draw(st.integers(0, len(lines) - 1))
    position = draw(st.integers(0, len(lines[index])))
    noise = draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=10))
    lines[index] = lines[index][:position] + noise + lines[index][position:]


HOSTILE: list[Callable[[list[str]], st.SearchStrategy[None]]] = [
    _aliases, _bomb, _nesting, _deep_block, _number, _tagged, _directive, _noise,
]  # fmt: skip


@st.composite
def hostile_texts(draw: st.DrawFn) -> str:
    """The example file with one to three hostile edits of its YAML text."""
    lines = list(LINES)
    for mutation in draw(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=3)):
        draw(mutation(lines))
    return "\n".join(lines) + "\n"


_STRUCTURAL = given(path=st.sampled_from(PATHS), value=values, delete=st.booleans())
_LINE_EDITS = given(
    line=st.integers(min_value=0, max_value=len(LINES) - 1),
    operation=st.sampled_from(["delete", "duplicate", "replace", "indent", "dedent"]),
    noise=st.text(max_size=20),
)
_HOSTILE = given(text=hostile_texts())

test_structural_mutations_never_crash = settings(CI, max_examples=250)(_STRUCTURAL(_structural))
test_line_edits_never_crash = settings(CI, max_examples=250)(_LINE_EDITS(_line_edit))
test_hostile_yaml_never_crashes = settings(CI, max_examples=500)(_HOSTILE(_parse))

test_structural_mutations_never_crash_large = pytest.mark.fuzz(LARGE(_STRUCTURAL(_structural)))
test_line_edits_never_crash_large = pytest.mark.fuzz(LARGE(_LINE_EDITS(_line_edit)))
test_hostile_yaml_never_crashes_large = pytest.mark.fuzz(LARGE(_HOSTILE(_parse)))
