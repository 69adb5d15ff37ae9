"""`up` checks what it promises and repairs what it can: deleted TLS files, a postgresql.conf
that lost pgplat's include, damaged state and password files; a server that cannot start is
explained by its FATAL line; extensions the local binaries lack are named."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.local.cluster import LocalCluster, ServerInfo, _failure


def _connects_verify_full(info: ServerInfo) -> bool:
    with psycopg.connect(info.conninfo("web"), connect_timeout=5) as conn:
        row = conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    return row == (True,)


def test_deleted_tls_files_of_a_running_server_are_issued_again(
    scratch_cluster: LocalCluster,
) -> None:
    scratch_cluster.up()
    old_ca = scratch_cluster.tls.ca_cert.read_bytes()
    for path in scratch_cluster.tls.ca_cert.parent.iterdir():
        path.unlink()
    info = scratch_cluster.up()
    assert scratch_cluster.tls.ca_cert.read_bytes() != old_ca
    assert any("TLS files" in note for note in info.notes)
    assert _connects_verify_full(info)


@pytest.mark.parametrize("running", [True, False])
def test_an_emptied_postgresql_conf_gets_pgplat_s_include_back(
    scratch_cluster: LocalCluster, running: bool
) -> None:
    scratch_cluster.up()
    if not running:
        scratch_cluster.down()
    conf = scratch_cluster.data_dir / "postgresql.conf"
    conf.write_text("")
    if not running:
        conf.unlink()  # gone altogether: defaults plus pgplat's include are enough
    info = scratch_cluster.up()
    assert "include 'postgresql.pgplat.conf'" in conf.read_text()
    assert any("include line" in note for note in info.notes)
    assert _connects_verify_full(info)


def test_a_server_that_cannot_start_is_explained_by_its_fatal_line(
    scratch_cluster: LocalCluster,
) -> None:
    scratch_cluster.up()
    scratch_cluster.down()
    auto = scratch_cluster.data_dir / "postgresql.auto.conf"
    saved = auto.read_text()
    auto.write_text(saved + "max_connections = 'lots'\n")
    try:
        with pytest.raises(UserError) as raised:
            scratch_cluster.up()
    finally:
        auto.write_text(saved)
    message = str(raised.value)
    assert message.startswith("the local server did not start: FATAL:")
    assert "contains errors" in message
    assert "\n" not in message
    scratch_cluster.up()


NOISE = st.text(st.characters(codec="ascii", exclude_characters="\n\r"), max_size=40).filter(
    lambda line: "FATAL:" not in line and "PANIC:" not in line
)


@given(before=st.lists(NOISE, max_size=5), after=st.lists(NOISE, max_size=5))
def test_the_failure_line_is_the_last_fatal_whatever_follows(
    before: list[str], after: list[str]
) -> None:
    log = "\n".join([*before, "2026-01-01 UTC [7] FATAL:  lock file exists", *after])
    assert _failure(log) == "FATAL:  lock file exists"


@pytest.mark.parametrize(
    "damage", ["", '{"port": 54', "[]", '{"port": "five", "bootstrap": 7}', "\x00\xff"]
)
def test_a_damaged_state_file_is_rebuilt(scratch_cluster: LocalCluster, damage: str) -> None:
    scratch_cluster.up()
    (scratch_cluster.root / "state.json").write_text(damage)
    info = scratch_cluster.up()
    assert _connects_verify_full(info)
    state = json.loads((scratch_cluster.root / "state.json").read_text())
    assert isinstance(state["bootstrap"], str)


@pytest.mark.parametrize("damage", [None, "", '{"postgres": ', '["x"]', '{"postgres": 5}'])
def test_damaged_passwords_of_an_existing_server_are_explained_in_one_line(
    scratch_cluster: LocalCluster, damage: str | None
) -> None:
    scratch_cluster.up()
    passwords = scratch_cluster.root / "passwords.json"
    saved = passwords.read_text()
    if damage is None:
        passwords.unlink()
    else:
        passwords.write_text(damage)
    try:
        with pytest.raises(UserError, match="pgplat dev destroy") as raised:
            scratch_cluster.up()
    finally:
        passwords.write_text(saved)
    assert "\n" not in str(raised.value)
    assert str(passwords) in str(raised.value)


def test_damaged_passwords_without_a_server_are_started_afresh(
    innovate: PgplatConfig, tmp_path: Path
) -> None:
    cluster = LocalCluster(innovate, tmp_path / "local")
    cluster.root.mkdir()
    (cluster.root / "passwords.json").write_text('{"postgres": ')
    assert set(cluster.passwords) == {"postgres", "web", "reporting"}
    assert json.loads((cluster.root / "passwords.json").read_text()) == cluster.passwords


def test_extensions_the_local_binaries_lack_are_named_in_a_warning(
    scratch_cluster: LocalCluster, innovate: PgplatConfig
) -> None:
    database = innovate.database
    wanting = innovate.model_copy(
        update={
            "database": database.model_copy(
                update={"extensions": [*database.extensions, "postgis", "pgcrypto"]}
            )
        }
    )
    scratch_cluster.up()
    info = LocalCluster(wanting, scratch_cluster.root, port=0).up()
    missing = [w for w in info.warnings if "postgis" in w]
    assert len(missing) == 1
    assert "pgcrypto" not in missing[0]
    assert not [w for w in scratch_cluster.up().warnings if "extension" in w]


def test_a_user_named_like_a_group_role_fails_up_in_one_line_and_grants_nothing(
    scratch_cluster: LocalCluster, innovate: PgplatConfig
) -> None:
    database = innovate.database
    impostor = database.users[0].model_copy(update={"name": "app_readonly"})
    hostile = innovate.model_copy(
        update={"database": database.model_copy(update={"users": [*database.users, impostor]})}
    )
    info = scratch_cluster.up()
    with pytest.raises(UserError, match="bootstrap SQL refused: role app_readonly") as raised:
        LocalCluster(hostile, scratch_cluster.root, port=0).up()
    assert "\n" not in str(raised.value)
    with psycopg.connect(info.admin_conninfo()) as conn:
        row = conn.execute(
            "SELECT rolcanlogin, pg_has_role('app_readonly', 'app_readwrite', 'MEMBER')"
            " FROM pg_roles WHERE rolname = 'app_readonly'"
        ).fetchone()
    assert row == (False, False)
