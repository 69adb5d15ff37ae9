"""Lifecycle of a real local server: idempotent up, persistence, crash recovery, racing ups,
port conflicts, reset and destroy."""

from __future__ import annotations

import multiprocessing
import socket
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psycopg
import pytest

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.local.binaries import Binaries
from pgplat.local.cluster import LocalCluster, ServerInfo
from tests.fixtures.postgres import server_root


def _count(info: ServerInfo) -> int:
    with psycopg.connect(info.conninfo("reporting")) as conn:
        row = conn.execute("SELECT count(*) FROM app.kept").fetchone()
    assert row is not None
    return int(row[0])


def _insert(info: ServerInfo, rows: int) -> None:
    with psycopg.connect(info.conninfo("web")) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS app.kept (id serial PRIMARY KEY)")
        for _ in range(rows):
            conn.execute("INSERT INTO app.kept DEFAULT VALUES")


def test_up_is_idempotent(scratch_cluster: LocalCluster) -> None:
    first = scratch_cluster.up()
    again = scratch_cluster.up()
    assert scratch_cluster.status() == "running"
    assert (again.port, again.data_dir) == (first.port, first.data_dir)
    assert first.notes == ()


def test_data_persists_across_down_and_up(scratch_cluster: LocalCluster) -> None:
    _insert(scratch_cluster.up(), 3)
    assert scratch_cluster.down() is True
    assert scratch_cluster.status() == "stopped"
    assert scratch_cluster.down() is False
    assert _count(scratch_cluster.up()) == 3


def test_kill_9_of_the_postmaster_keeps_committed_rows(scratch_cluster: LocalCluster) -> None:
    before = _count(scratch_cluster.up())
    _insert(scratch_cluster.info(), 2)
    scratch_cluster.crash()
    assert scratch_cluster.status() == "stopped"
    assert (scratch_cluster.data_dir / "postmaster.pid").exists()  # stale, as after a power cut
    info = scratch_cluster.up()
    assert any("uncleanly" in note for note in info.notes)
    assert _count(info) == before + 2


def _up_in_another_process(config: PgplatConfig, root: Path) -> tuple[int, int]:
    info = LocalCluster(config, root, port=0).up()
    pid = int((info.data_dir / "postmaster.pid").read_text().split()[0])
    return info.port, pid


def test_racing_ups_share_one_server(scratch_cluster: LocalCluster) -> None:
    scratch_cluster.down()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=3, mp_context=context) as pool:
        futures = [
            pool.submit(_up_in_another_process, scratch_cluster.config, scratch_cluster.root)
            for _ in range(3)
        ]
        results = {future.result() for future in futures}
    assert len(results) == 1  # same port, same postmaster
    assert scratch_cluster.status() == "running"


def test_a_taken_port_falls_back_to_a_free_one_and_keeps_it(innovate: PgplatConfig) -> None:
    """The fallback port is in .env: a restart keeps it even once the preferred one is free."""
    base = server_root("port")
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    cluster = LocalCluster(innovate, base / "local", port=taken)
    try:
        info = cluster.up()
        assert info.port != taken
        assert f"port {taken} is in use" in " ".join(info.notes)
        with psycopg.connect(info.conninfo("web")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert cluster.up().port == info.port, "running: the same server, the same port"
        cluster.down()
        squatter.close()
        assert cluster.up().port == info.port, "restarted: the port .env names"
    finally:
        squatter.close()
        cluster.destroy()
        base.rmdir()


def test_reset_empties_the_database_but_keeps_passwords(scratch_cluster: LocalCluster) -> None:
    before = scratch_cluster.up()
    _insert(before, 1)
    after = scratch_cluster.reset()
    assert after.passwords == before.passwords
    with psycopg.connect(after.conninfo("web")) as conn:
        assert conn.execute("SELECT to_regclass('app.kept')").fetchone() == (None,)


def test_binaries_of_another_major_refuse_the_cluster(
    scratch_cluster: LocalCluster, local_pg17: ServerInfo
) -> None:
    scratch_cluster.up()
    scratch_cluster.down()
    newer = Binaries(local_pg17.bin_dir, local_pg17.major, "17", "embedded")
    with pytest.raises(UserError, match="holds a PostgreSQL 14 cluster but the binaries are 17"):
        LocalCluster(scratch_cluster.config, scratch_cluster.root, binaries=newer).up()
    assert scratch_cluster.status() == "stopped"


def test_destroy_removes_everything_and_info_then_says_how_to_start(
    scratch_cluster: LocalCluster,
) -> None:
    scratch_cluster.up()
    scratch_cluster.destroy()
    assert not scratch_cluster.root.exists()
    assert scratch_cluster.status() == "absent"
    with pytest.raises(UserError, match="pgplat dev up"):
        scratch_cluster.info()


def test_the_server_never_runs_as_root(local_pg: ServerInfo) -> None:
    postmaster = int((local_pg.data_dir / "postmaster.pid").read_text().split()[0])
    owner = Path(f"/proc/{postmaster}").stat().st_uid
    assert owner != 0
    assert local_pg.data_dir.stat().st_uid == owner
    assert stat.S_IMODE(local_pg.data_dir.stat().st_mode) == 0o700
