"""The docs site's reference pages are the command tree and the schema as they are now."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgplat.commands.reference import cell, pages

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference"


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return pages()


def test_the_committed_pages_are_current(generated: dict[str, str]) -> None:
    for name, text in generated.items():
        committed = (REFERENCE / name).read_text(encoding="utf-8")
        assert committed == text, f"docs/reference/{name} is stale: run `make reference`"


def test_hidden_options_stay_out_and_global_ones_appear_once(generated: dict[str, str]) -> None:
    commands = generated["commands.md"]
    assert "`--format" not in commands  # check's former spelling of -o
    assert commands.count("`-q, --quiet`") == 1
    assert "## `pgplat dev up`" in commands
    assert "[`pgplat dev up`](#pgplat-dev-up)" in commands


def test_nested_keys_are_dotted_paths(generated: dict[str, str]) -> None:
    configuration = generated["configuration.md"]
    assert "| `database.users[].kubernetes.namespace` |" in configuration
    assert "| `name` | string | yes |" in configuration


@given(st.text())
def test_a_cell_stays_one_cell(text: str) -> None:
    """Whatever a help text or description holds, Python-Markdown (MkDocs) reads one cell."""
    html = markdown.markdown(f"| a | b |\n|---|---|\n| x | {cell(text)} |\n", extensions=["tables"])
    assert html.count("<tr>") == 2
    assert html.count("<td>") == 2
