"""`pgplat dev up --standby`: the local server gets a streaming standby, once; `pgplat dev
destroy` removes it with the server."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import psycopg
import pytest

from pgplat.config.model import PgplatConfig
from pgplat.drills.failover.local import standby_of
from pgplat.local.cluster import LocalCluster
from tests.fixtures.examples import INNOVATE
from tests.fixtures.failover import RunPgplat
from tests.fixtures.postgres import server_root


def _free_port() -> int:
    """A port nobody listens on now (the server falls back to another if that changes)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_dev_up_standby_streams_and_destroy_removes_it(
    innovate: PgplatConfig,
    tmp_path: Path,
    pgplat_main: RunPgplat,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # not the project: every path is resolved against the config's
    base = server_root("dev-standby")  # the project: a data_dir is a folder inside it
    config = base / "pgplat.yaml"
    config.write_text(
        INNOVATE.read_text().replace(
            "  local:\n    port: 5432", f"  local:\n    port: {_free_port()}\n    data_dir: local"
        )
    )
    primary = LocalCluster(innovate, base / "local")
    standby = standby_of(primary)
    try:
        for _ in range(2):
            code, out, err = pgplat_main("-c", str(config), "dev", "up", "--standby")
            assert code == 0, err
            assert "streaming standby on localhost:" in out
        with psycopg.connect(primary.info().admin_conninfo(), autocommit=True) as conn:
            conn.execute("CREATE TABLE app.streamed (n int)")
        with psycopg.connect(standby.info().admin_conninfo(), autocommit=True) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
            deadline = time.monotonic() + 10
            while conn.execute("SELECT to_regclass('app.streamed')").fetchone() == (None,):
                assert time.monotonic() < deadline, "the standby did not receive the table"
                time.sleep(0.05)
        assert pgplat_main("-c", str(config), "dev", "destroy", "--yes")[0] == 0
        assert standby.status() == "absent"
        assert not standby.root.exists()
    finally:
        standby.destroy()
        primary.destroy()
        shutil.rmtree(base, ignore_errors=True)
