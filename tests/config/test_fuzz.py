"""Random mutations of a valid file end in a valid config or one ConfigError, never a traceback."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgplat.config import ConfigError, parse_config
from tests.fixtures.examples import INNOVATE

TEXT = INNOVATE.read_text()
LINES = TEXT.splitlines()
DATA: dict[str, Any] = yaml.safe_load(TEXT)

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
    try:
        parse_config(text, "fuzz.yaml")
    except ConfigError as error:
        message = str(error)
        assert message.startswith("fuzz.yaml")
        assert "\n" not in message
        assert "Traceback" not in message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=values, delete=st.booleans())
def test_structural_mutations_never_crash(path: tuple[Any, ...], value: Any, delete: bool) -> None:
    data = yaml.safe_load(TEXT)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    _parse(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    line=st.integers(min_value=0, max_value=len(LINES) - 1),
    operation=st.sampled_from(["delete", "duplicate", "replace", "indent", "dedent"]),
    noise=st.text(max_size=20),
)
def test_textual_mutations_never_crash(line: int, operation: str, noise: str) -> None:
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
