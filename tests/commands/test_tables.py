"""Tables piped to a file or a CI log (``commands.common.print_table``): one line per row, every
cell whole, the columns aligned, no box art; at a terminal, the boxed table."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from pgplat.commands.common import print_table

WORDS = st.text(st.characters(categories=["L", "N", "P", "S"], exclude_characters="[]"), min_size=1)
ROWS = st.integers(1, 4).flatmap(
    lambda width: st.lists(st.lists(WORDS, min_size=width, max_size=width), min_size=1, max_size=5)
)


def _piped(table: Table) -> list[str]:
    out = Console(file=io.StringIO(), width=80, color_system=None, soft_wrap=True)
    print_table(table, out)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(text, str)
    return text.splitlines()


def _from_column(line: str, column: int) -> str:
    """``line`` from display column ``column`` on (a wide character takes two columns)."""
    width = 0
    for i, char in enumerate(line):
        if width >= column:
            return line[i:]
        width += cell_len(char)
    return ""


@settings(max_examples=25, deadline=None)
@given(rows=ROWS)
def test_a_piped_table_keeps_each_row_on_one_aligned_line(rows: list[list[str]]) -> None:
    table = Table(title="things", expand=True)
    for i in range(len(rows[0])):
        table.add_column(f"c{i}", overflow="fold")
    for row in rows:
        table.add_row(*row)

    lines = _piped(table)

    assert lines[0] == "things"
    header = lines[1]
    starts = [header.index(f"c{i}") for i in range(len(rows[0]))]
    assert header.split() == [f"c{i}" for i in range(len(rows[0]))]
    assert len(lines) == 2 + len(rows)
    for row, line in zip(rows, lines[2:], strict=True):
        for start, cell in zip(starts, row, strict=True):
            assert _from_column(line, start).startswith(cell), (line, cell)
        assert line == line.rstrip()


def test_a_table_at_a_terminal_keeps_its_box() -> None:
    out = Console(file=io.StringIO(), width=80, color_system=None, force_terminal=True)
    table = Table(title="things")
    table.add_column("name")
    table.add_row("x")
    print_table(table, out)
    assert "┃" in out.file.getvalue()  # type: ignore[attr-defined]
