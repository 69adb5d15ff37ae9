"""`.env` as written by pgplat reads back through python-dotenv exactly as written."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest
from dotenv import dotenv_values
from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat.errors import UserError
from pgplat.local.envfile import ensure_gitignored, remove_env_file, write_env_file

NAMES = st.from_regex(r"[A-Z][A-Z0-9_]{0,11}", fullmatch=True)
TRICKY = st.sampled_from(["'", '"', "#", " ", "$", "${HOME}", "$HOME", "\\", "\n", "\r", "=", "\t"])
VALUES = st.lists(st.one_of(TRICKY, st.text(max_size=8)), max_size=6).map("".join)


@given(variables=st.dictionaries(NAMES, VALUES, max_size=6))
@settings(max_examples=40)  # each example writes a private file; 40 cover the tricky characters
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


def test_an_unchanged_env_file_is_not_rewritten(tmp_path: Path) -> None:
    """A second `dev up` on the same port leaves .env alone: watchers and editors see no change."""
    path = write_env_file(tmp_path / ".env", {"PGPORT": "5433"})
    before = path.stat().st_mtime_ns, path.stat().st_ino
    write_env_file(path, {"PGPORT": "5433"})
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == before
    write_env_file(path, {"PGPORT": "5434"})
    assert dotenv_values(path) == {"PGPORT": "5434"}


@given(edit=st.text(min_size=1, max_size=20))
@settings(max_examples=10)
def test_destroy_removes_the_env_file_only_as_pgplat_wrote_it(edit: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        env_file, receipt = Path(folder) / ".env", Path(folder) / "receipt"
        write_env_file(env_file, {"PGPASSWORD": "secret"}, receipt=receipt)
        with env_file.open("ab") as handle:
            handle.write(edit.encode())
        assert remove_env_file(env_file, receipt) is False
        assert env_file.read_bytes().endswith(edit.encode()), "the developer's edit is kept"
        write_env_file(env_file, {"PGPASSWORD": "secret"}, receipt=receipt)
        assert remove_env_file(env_file, receipt) is True
        assert not env_file.exists()
        assert not receipt.exists()


def test_without_a_receipt_nothing_is_removed(tmp_path: Path) -> None:
    env_file = write_env_file(tmp_path / ".env", {"PGPASSWORD": "secret"})
    assert remove_env_file(env_file, tmp_path / "receipt") is False
    assert env_file.exists()
    target = tmp_path / "elsewhere"
    target.write_text(env_file.read_text())
    env_file.unlink()
    env_file.symlink_to(target)
    (tmp_path / "receipt").write_text("x")
    assert remove_env_file(env_file, tmp_path / "receipt") is False, "never through a link"
    assert target.exists()
