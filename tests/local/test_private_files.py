"""Private files (.env, passwords, keys, state) are replaced atomically and never written
through a symbolic link: a link in their place is refused in one line, its target untouched."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgplat.errors import UserError
from pgplat.local.files import write_private

CONTENTS = st.one_of(st.text(max_size=200), st.binary(max_size=200))


@given(before=CONTENTS, after=CONTENTS)
def test_a_rewrite_leaves_exactly_the_new_bytes_private_and_no_scratch_file(
    before: str | bytes, after: str | bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "secret"
        write_private(path, before)
        write_private(path, after)
        expected = after.encode() if isinstance(after, str) else after
        assert path.read_bytes() == expected
        assert stat.S_IMODE(path.lstat().st_mode) == 0o600
        assert os.listdir(folder) == ["secret"]


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symlink_in_place_of_a_private_file_is_refused_and_its_target_untouched(
    tmp_path: Path, dangling: bool
) -> None:
    target = tmp_path / "elsewhere" / "precious"
    target.parent.mkdir()
    if not dangling:
        target.write_bytes(b"keep me\n")
        target.chmod(0o644)
    link = tmp_path / ".env"
    link.symlink_to(target)
    with pytest.raises(UserError, match=r"\.env is a symbolic link.*remove it") as raised:
        write_private(link, "PGPASSWORD=secret\n")
    assert "\n" not in str(raised.value)
    assert "secret" not in str(raised.value)
    if dangling:
        assert not target.exists()
    else:
        assert target.read_bytes() == b"keep me\n"
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert link.is_symlink()


def test_a_symlinked_folder_below_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / ".pgplat").symlink_to(outside)
    with pytest.raises(UserError, match=r"\.pgplat is a symbolic link"):
        write_private(project / ".pgplat" / "state.json", "{}", within=project)
    assert list(outside.iterdir()) == []


def test_a_path_outside_the_project_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    with pytest.raises(UserError, match="outside the project"):
        write_private(project / ".." / "stolen", "x", within=project)
    assert not (tmp_path / "stolen").exists()


def test_a_folder_in_place_of_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".env").mkdir()
    with pytest.raises(UserError, match="not a regular file"):
        write_private(tmp_path / ".env", "x")
