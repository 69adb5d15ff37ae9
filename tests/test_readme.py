"""The README fits on a few screens, starts with the two commands, and every link in it
(files and headings alike) leads somewhere; its commands are parsed in tests/design."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import markdown
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")
ID = re.compile(r'\bid="([^"]+)"')


def links() -> list[str]:
    return [t for t in LINK.findall(README.read_text(encoding="utf-8")) if "://" not in t]


@cache
def heading_ids(path: Path) -> set[str]:
    """The ids MkDocs (Python-Markdown's toc) gives the headings of ``path``."""
    html = markdown.markdown(path.read_text(encoding="utf-8"), extensions=["toc", "tables"])
    return set(ID.findall(html))


def test_fits_on_a_few_screens_and_starts_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in first_block.splitlines()] == [
        ["make", "run"],
        ["make", "test"],
    ]
    assert "\n## Application developers: first connection\n" in text
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize("target", links())
def test_link_leads_somewhere(target: str) -> None:
    path, _, anchor = target.partition("#")
    file = (ROOT / path) if path else README
    assert file.exists(), f"README links to {path}, which does not exist"
    if anchor:
        assert anchor in heading_ids(file), f"{path} has no heading #{anchor}"


def test_make_run_ends_by_saying_how_to_reach_pgplat() -> None:
    """`pgplat` is not on PATH after `make run`: its last words say how to run it."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    assert recipe[0].strip() == "$(BIN)/pgplat up --config $(CONFIG)"
    said = " ".join(line for line in recipe[1:] if line.strip().startswith("@echo"))
    assert ". $(VENV)/bin/activate" in said
    assert "$(BIN)/pgplat" in said
