"""Extensions RDS and Aurora PostgreSQL offer per major, from the dated ``extensions.json``.

AWS publishes these lists only as documentation pages (named in the file with their date), so
the table is kept by hand like the support calendar. The local server's binaries are checked
against the same lists (``extensions_for``), so a project that works locally works in the cloud.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from pathlib import Path
from typing import Any

from pgplat.config.calendar import Flavor

DATA_FILE = Path(__file__).with_name("extensions.json")


@cache
def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return loaded


def extensions_for(flavor: Flavor, major: int) -> frozenset[str]:
    """The extension names ``CREATE EXTENSION`` accepts on this flavor and major."""
    data = _data()
    names = set(data["both"]) | set(data[flavor])
    names |= {n for n, first in data["since"].items() if major >= first}
    names |= {n for n, last in data["until"].items() if major <= last}
    return frozenset(names)


def extension_problem(name: str, flavor: Flavor, major: int) -> str | None:
    """Why ``name`` cannot be created on this flavor and major, with the fix; None if it can."""
    offered = extensions_for(flavor, major)
    if name in offered:
        return None
    label = f"{'Aurora PostgreSQL' if flavor == 'aurora' else 'RDS for PostgreSQL'} {major}"
    data = _data()
    if name in data["never"]:
        return f"{name!r} is not offered by {label}: {data['never'][name]}"
    close = difflib.get_close_matches(name, sorted(offered), n=1)
    if close:
        return f"{name!r} is not offered by {label}; did you mean {close[0]!r}?"
    elsewhere = "" if name not in _any_major(flavor) else " at this major"
    return (
        f"{name!r} is not offered by {label}{elsewhere} (extension list of "
        f"{data['as_of']}, {data['source'][flavor]}); remove it or pick a listed extension"
    )


def _any_major(flavor: Flavor) -> frozenset[str]:
    return extensions_for(flavor, 0) | extensions_for(flavor, 99)
