"""The modules a module imports, read from the source (:mod:`pgplat.infra.imports`): each
kind of import statement, relative names, packages' ``__init__``, and what never runs when
the module is imported (``TYPE_CHECKING`` blocks, functions)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pgplat.infra.imports import imported_modules

PACKAGE = {
    "__init__.py": '"""The package."""\n',
    "top.py": """
        import json
        import pkg.plain
        from pkg import named
        from pkg.sub import deep, helper_value
        from . import relative
        from .sub.other import *
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from pkg import typing_only
        else:
            from pkg import at_run_time

        try:
            from pkg import optional
        except ImportError:
            optional = None

        class Holder:
            from pkg import in_class

        def later():
            from pkg import in_function
    """,
    "plain.py": "",
    "named.py": "",
    "relative.py": "from .sub import parent_relative\n",
    "at_run_time.py": "",
    "optional.py": "",
    "in_class.py": "",
    "typing_only.py": "",
    "in_function.py": "",
    "unused.py": "",
    "sub/__init__.py": "from .deep import helper_value\n",
    "sub/deep.py": "helper_value = 1\n",
    "sub/other.py": "from ..named import *\n",
    "sub/parent_relative.py": "",
}


@pytest.fixture
def package(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    for name, source in PACKAGE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(source))
    return root


def test_what_importing_runs_is_followed_and_nothing_else(package: Path) -> None:
    assert imported_modules(package, "pkg.top") == [
        "__init__.py",
        "at_run_time.py",
        "in_class.py",
        "named.py",
        "optional.py",
        "plain.py",
        "relative.py",
        "sub/__init__.py",
        "sub/deep.py",
        "sub/other.py",
        "sub/parent_relative.py",
        "top.py",
    ]


def test_it_is_what_an_interpreter_loads(package: Path) -> None:
    probe = (
        "import sys\n"
        "sys.path.insert(0, '.')\n"
        "import pkg.top\n"
        "for name in sorted(sys.modules):\n"
        "    if name.split('.')[0] == 'pkg':\n"
        "        print(sys.modules[name].__file__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe],
        cwd=package.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = [Path(file).relative_to(package).as_posix() for file in done.stdout.split()]
    assert imported_modules(package, "pkg.top") == loaded
