"""`pgplat dev`: cold and warm `up` against the raw floor (initdb + pg_ctl start alone), and
per-test database clones against pytest-postgresql, all on the same embedded binaries."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from pytest_postgresql.executors.proc import PostgreSQLExecutor
from pytest_postgresql.janitor import DatabaseJanitor

from pgplat.config import PgplatConfig, load_config
from pgplat.local.account import ServerAccount, server_account
from pgplat.local.binaries import Binaries, embedded_for
from pgplat.local.cluster import LocalCluster
from pgplat.local.files import scratch_dir

from common import Row

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "innovate-inc.yaml"
ROUNDS = 5
CLONES = 21


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@contextmanager
def _disk_dir(prefix: str) -> Iterator[Path]:
    """A directory on disk (where a project's .pgplat/ lives) the server account can enter."""
    path = Path(tempfile.mkdtemp(prefix=f"pgplat-bench-{prefix}-", dir="/var/tmp"))
    path.chmod(0o711)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class RawCluster:
    """initdb + pg_ctl start with the same flags pgplat uses, and nothing else."""

    def __init__(self, binaries: Binaries, account: ServerAccount, root: Path) -> None:
        self.binaries, self.account = binaries, account
        self.data = account.make_dir(root / "data")
        self.log = root / "data.log"
        self.pwfile = root / "pw"
        self.pwfile.write_text("floor-password\n")
        account.own(self.pwfile, 0o600)
        account.own(root, 0o700)

    def _run(self, *args: str) -> None:
        result = self.account.run([*args])
        assert result.returncode == 0, result.stderr

    def initdb(self) -> None:
        self._run(
            self.binaries.tool("initdb"), "--pgdata", str(self.data), "--username", "postgres",
            f"--pwfile={self.pwfile}", "--auth=scram-sha-256", "--encoding=UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        self._run(
            self.binaries.tool("pg_ctl"), "start", "-D", str(self.data), "-w", "-l",
            str(self.log), "-o", f"-p {_free_port()} -k {self.data}",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(self.binaries.tool("pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w")


def _up_figures(config: PgplatConfig, binaries: Binaries) -> tuple[list[float], list[float]]:
    cold, warm = [], []
    for _ in range(ROUNDS):
        with _disk_dir("ours") as root:
            cluster = LocalCluster(config, root / "local", binaries=binaries, port=0)
            cold.append(_timed(cluster.up))
            cluster.down()
            warm.append(_timed(cluster.up))
            cluster.down()
    return cold, warm


def _floor_figures(binaries: Binaries) -> tuple[list[float], list[float]]:
    account = server_account()
    cold, warm = [], []
    for _ in range(ROUNDS):
        with _disk_dir("floor") as root:
            raw = RawCluster(binaries, account, root / "raw")
            cold.append(_timed(lambda raw=raw: (raw.initdb(), raw.start())))
            raw.stop()
            warm.append(_timed(raw.start))
            raw.stop()
    return cold, warm


def _our_clones(config: PgplatConfig, binaries: Binaries) -> list[float]:
    """What the pytest plugin does per test: CREATE DATABASE … TEMPLATE, then DROP."""
    root = scratch_dir("bench-clone")
    cluster = LocalCluster(config, root / "c", binaries=binaries, port=0, durable=False)
    try:
        info = cluster.up()
        with psycopg.connect(info.admin_conninfo("postgres"), autocommit=True) as conn:
            template = sql.Identifier(f"{info.dbname}_template")
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    template, sql.Identifier(info.dbname)
                )
            )
            samples = []
            for n in range(CLONES):
                clone = sql.Identifier(f"clone_{n}")
                samples.append(
                    _timed(
                        lambda c=clone: conn.execute(
                            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(c, template)
                        )
                    )
                )
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(clone))
        return samples
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


def _pg_ctl_as(account: ServerAccount, binaries: Binaries, directory: Path) -> str:
    """pytest-postgresql runs pg_ctl as the caller; as root, hand it to the server account."""
    if not account.is_switched:
        return binaries.tool("pg_ctl")
    wrapper = directory / "pg_ctl"
    wrapper.write_text(
        "#!/bin/sh\nexec setpriv --reuid="
        f'{account.uid} --regid={account.gid} --clear-groups {binaries.tool("pg_ctl")} "$@"\n'
    )
    wrapper.chmod(0o755)
    return str(wrapper)


def _peer_figures(binaries: Binaries) -> tuple[list[float], list[float]]:
    """pytest-postgresql on the same binaries, in RAM like ours: cold start, then clones."""
    account = server_account()
    starts, clones = [], []
    for round_number in range(ROUNDS):
        root = scratch_dir("bench-peer")
        account.make_dir(root / "run")
        executor = PostgreSQLExecutor(
            executable=_pg_ctl_as(account, binaries, root),
            host="127.0.0.1",
            port=_free_port(),
            datadir=str(root / "run" / "data"),
            unixsocketdir=str(root / "run"),
            logfile=str(root / "run" / "log"),
            startparams="-w",
            dbname="innovate",
        )
        try:
            starts.append(_timed(executor.start))
            if round_number:
                continue
            params = {"user": "postgres", "host": "127.0.0.1", "port": executor.port}
            template = DatabaseJanitor(dbname="template_db", as_template=True, **params)
            template.init()
            for n in range(CLONES):
                janitor = DatabaseJanitor(
                    dbname=f"clone_{n}", template_dbname="template_db", **params
                )
                clones.append(_timed(janitor.init))
                janitor.drop()
        finally:
            executor.stop()
            shutil.rmtree(root, ignore_errors=True)
    return starts, clones


def rows() -> list[Row]:
    config = load_config(EXAMPLE)
    binaries = embedded_for(config)  # cached before timing: "binaries cached"
    os.environ.pop("PGPASSWORD", None)
    ours_cold, ours_warm = _up_figures(config, binaries)
    floor_cold, floor_warm = _floor_figures(binaries)
    peer_start, peer_clone = _peer_figures(binaries)
    ours_clone = _our_clones(config, binaries)
    med = statistics.median
    label = f"PostgreSQL {binaries.version}"
    return [
        Row(f"dev up, cold ({label})", "LocalCluster.up (TLS, roles, bootstrap)", med(ours_cold) * 1000, "initdb + pg_ctl start", med(floor_cold) * 1000, "ms", "<= 1.5x"),
        Row("dev up, cold vs peer", "LocalCluster.up", med(ours_cold) * 1000, "pytest-postgresql start", med(peer_start) * 1000, "ms"),
        Row("dev up, warm (data kept)", "LocalCluster.up", med(ours_warm) * 1000, "pg_ctl start", med(floor_warm) * 1000, "ms", "<= 500 ms"),
        Row("per-test database clone (median)", "pgplat pytest plugin", med(ours_clone) * 1000, "pytest-postgresql janitor", med(peer_clone) * 1000, "ms", "<= 50 ms"),
    ]  # fmt: skip
