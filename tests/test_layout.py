"""The layout stays what docs/architecture.md says: tests mirror src/, and the architecture
page names every package, so a new package cannot appear without a place in the layering."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "src" / "pgplat"
TESTS = REPO / "tests"
SHARED_TEST_FOLDERS = {"fixtures"}


def _packages(root: Path) -> set[str]:
    return {p.parent.name for p in root.glob("*/__init__.py")}


def test_every_test_folder_mirrors_a_source_package() -> None:
    strays = _packages(TESTS) - _packages(SOURCE) - SHARED_TEST_FOLDERS
    assert not strays, f"tests/{sorted(strays)} mirror no package of src/pgplat"


def test_the_architecture_page_places_every_package() -> None:
    page = (REPO / "docs" / "architecture.md").read_text()
    modules = {p.stem for p in SOURCE.glob("*.py") if not p.stem.startswith("_")}
    missing = sorted(
        name
        for name in _packages(SOURCE) | modules
        if f"`{name}/`" not in page and f"`{name}`" not in page
    )
    assert not missing, f"docs/architecture.md does not place {missing} in a layer"
