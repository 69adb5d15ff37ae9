"""The pgplat modules a module imports, read from their source: what a Lambda asset built
from part of the package must ship.

What importing a module runs counts: its import statements outside functions (at module
level, in a class body, an ``if`` or a ``try``), except under ``if TYPE_CHECKING:``, which
never runs; and its packages' ``__init__``, which run first. A function's own imports run
only when it is called, as pgplat's lazy public names do, and are not followed. Reading the
source takes a tenth of a second; an interpreter importing the module to see what it loads
took over a second of every synthesis.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path


def imported_modules(package: Path, module: str) -> list[str]:
    """The files below ``package`` (relative to it, ``/``-separated) of ``module`` and of every
    module of the package importing it imports, directly or not, ordered by module name."""
    root = package.name
    found: dict[str, str] = {}
    pending = [module]
    while pending:
        name = pending.pop()
        path = _file_of(package, name)
        if name in found or path is None:
            continue
        found[name] = path
        parents = name.split(".")
        pending.extend(".".join(parents[:depth]) for depth in range(1, len(parents)))
        source = (package / path).read_text()
        is_package = path.endswith("__init__.py")
        for named in _imports(ast.parse(source, filename=path), name, is_package):
            if named == root or named.startswith(root + "."):
                pending.append(named)
    return [found[name] for name in sorted(found)]


def _file_of(package: Path, module: str) -> str | None:
    """``module``'s file relative to ``package``, or None when it is not a module there (a
    name imported from a module, such as a function)."""
    parts = module.split(".")[1:]
    candidates = [Path(*parts, "__init__.py")] + (
        [Path(*parts).with_suffix(".py")] if parts else []
    )
    return next((c.as_posix() for c in candidates if (package / c).is_file()), None)


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """The modules each import statement of ``module`` may load: for ``from a import b``,
    both ``a`` and ``a.b`` (``b`` may be a submodule), relative names resolved."""
    for node in _run_time_nodes(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    anchor = parts if is_package else parts[:-1]
    anchor = anchor[: len(anchor) - (node.level - 1)]
    return ".".join([*anchor, node.module] if node.module else anchor)


def _run_time_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``tree`` that run when it is imported: not those in a function, nor in
    the body of ``if TYPE_CHECKING:``."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )
