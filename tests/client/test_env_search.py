"""`.env` is found from any folder of the project, like other dotenv tools, but never above the
project's root, and never one another user could have planted (a shared /tmp)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgplat.client import load_settings
from pgplat.client.settings import PROJECT_MARKERS, find_upward

FOLDER = st.text("abcdefgh", min_size=1, max_size=6)


@pytest.mark.parametrize("marker", PROJECT_MARKERS)
@given(depth=st.lists(FOLDER, max_size=4))
@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_found_from_any_subfolder_of_the_project(
    client_env: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    marker: str,
    depth: list[str],
) -> None:
    project = tmp_path_factory.mktemp("project")
    (project / marker).mkdir()
    (project / ".env").write_text("PGHOST=from-project\n")
    start = project.joinpath(*depth)
    start.mkdir(parents=True, exist_ok=True)
    assert find_upward(".env", start) == project / ".env"
    with pytest.MonkeyPatch.context() as here:
        here.chdir(start)
        assert load_settings().host == "from-project"


def test_the_search_stops_at_the_project_root(
    client_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("PGHOST=another-project\n")
    project = tmp_path / "app"
    (project / "src").mkdir(parents=True)
    (project / ".git").mkdir()
    assert find_upward(".env", project / "src") is None
    client_env.chdir(project / "src")
    assert load_settings().host == "localhost"


def test_the_nearest_file_wins_and_an_absolute_path_is_taken_as_is(tmp_path: Path) -> None:
    (tmp_path / "pgplat.yaml").write_text("")
    (tmp_path / ".env").write_text("PGHOST=root\n")
    (tmp_path / "service").mkdir()
    (tmp_path / "service" / ".env").write_text("PGHOST=service\n")
    assert find_upward(".env", tmp_path / "service" / "deep") == tmp_path / "service" / ".env"
    assert find_upward(tmp_path / ".env", tmp_path / "service") == tmp_path / ".env"
    assert find_upward(tmp_path / "missing.env", tmp_path) is None


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_file_another_user_owns_is_passed_over(tmp_path: Path) -> None:
    planted = tmp_path / ".env"
    planted.write_text("PGHOST=attacker.example\n")
    os.chown(planted, 65534, 65534)
    (tmp_path / "work").mkdir()
    with pytest.warns(UserWarning, match=rf"^{planted} is owned by another user: not read"):
        assert find_upward(".env", tmp_path / "work") is None
    mine = tmp_path / "mine.env"
    mine.write_text("PGHOST=mine\n")
    linked = tmp_path / "work" / ".env"
    linked.symlink_to(planted)
    with pytest.warns(UserWarning, match="owned by another user"):
        assert find_upward(".env", tmp_path / "work") is None, "a link to a planted file"
    linked.unlink()
    linked.symlink_to(mine)
    assert find_upward(".env", tmp_path / "work") == linked, "a link to my own file is read"
