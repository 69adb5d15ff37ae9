"""Every snippet of docs/developers.md that is not a test file (asyncio, SQLAlchemy, Django)
runs as written against the real local server, each in a process of its own, as a reader
would run it: settings from the environment, no `.env`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pgplat.local.cluster import ServerInfo

pytestmark = pytest.mark.slow

PAGE = Path(__file__).parents[2] / "docs" / "developers.md"


def _snippets() -> dict[str, str]:
    """The page's python blocks that are not test files, by the heading above them."""
    found: dict[str, str] = {}
    heading = ""
    for part in PAGE.read_text().split("```"):
        if part.startswith("python\n") and not part.startswith("python\n# tests/"):
            found[heading] = part.removeprefix("python\n")
        else:
            heading = next(
                (line for line in reversed(part.splitlines()) if line.startswith("## ")), heading
            )
    return found


def test_the_page_has_a_snippet_for_each_api() -> None:
    assert set(_snippets()) == {"## asyncio", "## SQLAlchemy", "## Django (5.1 or later)"}


def test_every_snippet_runs_against_the_local_server(local_pg: ServerInfo, tmp_path: Path) -> None:
    """One process for all (interpreter and imports cost seconds here), each snippet in a
    namespace of its own, in the page's order; every line a snippet prints names the user."""
    snippets = _snippets()
    driver = "".join(
        f"print({heading!r})\nexec(compile({code!r}, {heading!r}, 'exec'), {{}})\n"
        for heading, code in snippets.items()
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    ran = subprocess.run(
        [sys.executable, "-c", driver],
        cwd=tmp_path,
        env=environment | local_pg.env("web"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    printed: dict[str, list[str]] = {}
    for line in ran.stdout.splitlines():
        if line in snippets:
            printed[line] = []
        else:
            printed[list(printed)[-1]].append(line)
    assert printed == {
        "## asyncio": ["reader: web", "writer: web"],
        "## SQLAlchemy": ["web"],
        "## Django (5.1 or later)": ["web"],
    }
