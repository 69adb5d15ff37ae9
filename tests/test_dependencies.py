"""Everything pgplat's own code imports is installed by ``pip install pgplat``: a module that
only a development extra brings (as cfn-lint once was) breaks a user's `pgplat synth` with an
ImportError that no test run from the development install can see."""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

SOURCE = Path(__file__).resolve().parents[1] / "src" / "pgplat"
BROUGHT_BY_THE_APPLICATION = {
    "pytest": "pytest_plugin.py",  # loaded by pytest itself, through its entry point
    "sqlalchemy": "client/sqlalchemy.py",  # pgplat.client.sqlalchemy, for SQLAlchemy users
}
"""Modules of the frameworks pgplat integrates with, each imported by its integration alone."""


def _imported_top_level_names() -> dict[str, set[str]]:
    """Each top-level module pgplat's source imports anywhere (a function's lazy imports
    included, ``if TYPE_CHECKING:`` blocks not), with the files importing it."""
    found: dict[str, set[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        skipped = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                importer = path.relative_to(SOURCE).as_posix()
                found.setdefault(name.split(".")[0], set()).add(importer)
    return found


def _runtime_distributions() -> set[str]:
    """pgplat's requirements outside any extra, and theirs, by normalised name."""
    seen: set[str] = set()
    pending = ["pgplat"]
    while pending:
        name = pending.pop()
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            normalised = requirement.name.lower().replace("_", "-")
            if normalised not in seen:
                seen.add(normalised)
                pending.append(requirement.name)
    return seen


def test_every_module_pgplat_imports_comes_with_its_runtime_requirements() -> None:
    runtime = _runtime_distributions()
    providers = metadata.packages_distributions()
    imported = _imported_top_level_names()
    missing = {
        name: sorted(where)
        for name, where in imported.items()
        if name != "pgplat"
        and name not in sys.stdlib_module_names
        and name not in BROUGHT_BY_THE_APPLICATION
        and not any(d.lower().replace("_", "-") in runtime for d in providers.get(name, []))
    }
    assert not missing, f"imported but not a runtime requirement of pgplat: {missing}"
    for name, integration in BROUGHT_BY_THE_APPLICATION.items():
        assert imported.get(name) == {integration}, f"{name} is imported outside {integration}"
