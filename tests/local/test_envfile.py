"""`.env` as written by pgplat reads back through python-dotenv exactly as written."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest
from dotenv import dotenv_values
from hypothesis import given
from hypothesis import strategies as st

from pgplat.errors import UserError
from pgplat.local.envfile import ensure_gitignored, write_env_file

NAMES = st.from_regex(r"[A-Z][A-Z0-9_]{0,11}", fullmatch=True)
TRICKY = st.sampled_from(["'", '"', "#", " ", "$", "${HOME}", "$HOME", "\\", "\n", "\r", "=", "\t"])
VALUES = st.lists(st.one_of(TRICKY, st.text(max_size=8)), max_size=6).map("".join)


@given(variables=st.dictionaries(NAMES, VALUES, max_size=6))
def test_every_value_reads_back_unchanged(variables: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_env_file(Path(folder) / ".env", variables)
        assert dotenv_values(path) == variables


def test_file_is_private_and_plain_values_stay_bare(tmp_path: Path) -> None:
    path = write_env_file(tmp_path / ".env", {"PGHOST": "localhost", "PGPASSWORD": "a b#c"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "PGHOST=localhost\n" in path.read_text()
    assert dotenv_values(path)["PGPASSWORD"] == "a b#c"


def test_a_symlinked_gitignore_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "shared-ignore"
    target.write_text("node_modules/\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".gitignore").symlink_to(target)
    with pytest.raises(UserError, match=r"\.gitignore is a symbolic link"):
        ensure_gitignored(project, [".env"])
    assert target.read_text() == "node_modules/\n"


def test_gitignore_keeps_its_mode_when_entries_are_added(tmp_path: Path) -> None:
    gitignore = tmp_path / ".gitignore"
    gitignore.write_text("node_modules/")
    gitignore.chmod(0o664)
    assert ensure_gitignored(tmp_path, [".env"]) == [".env"]
    assert stat.S_IMODE(gitignore.stat().st_mode) == 0o664
    assert gitignore.read_text().endswith(
        "node_modules/\n# pgplat dev: local secrets and data\n.env\n"
    )
