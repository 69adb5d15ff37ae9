"""`.env` as written by pgplat reads back through python-dotenv exactly as written."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

from dotenv import dotenv_values
from hypothesis import given
from hypothesis import strategies as st

from pgplat.local.envfile import write_env_file

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
