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

from pgplat.config.loader import load_config
from pgplat.config.model import PgplatConfig
from pgplat.local.account import ServerAccount, server_account
from pgplat.local.binaries import Binaries, embedded_for
from pgplat.local.clones import ClonePool
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


def _cold_and_warm_ups(config: PgplatConfig, binaries: Binaries) -> dict[str, list[float]]:
    """Each round times ours, the raw floor and the peer back to back, so all three see the
    same machine load (other work on a shared machine moves these figures a lot)."""
    account = server_account()
    samples: dict[str, list[float]] = {
        k: [] for k in ("cold", "warm", "floor", "floor_warm", "peer")
    }
    for _ in range(ROUNDS):
        with _disk_dir("ours") as root:
            cluster = LocalCluster(config, root / "local", binaries=binaries, port=0)
            samples["cold"].append(_timed(cluster.up))
            cluster.down()
            samples["warm"].append(_timed(cluster.up))
            cluster.down()
        with _disk_dir("floor") as root:
            raw = RawCluster(binaries, account, root / "raw")
            samples["floor"].append(_timed(lambda raw=raw: (raw.initdb(), raw.start())))
            raw.stop()
            samples["floor_warm"].append(_timed(raw.start))
            raw.stop()
        with _disk_dir("peer") as root:
            executor = _peer(binaries, root)
            samples["peer"].append(_timed(executor.start))
            executor.stop()
    return samples


def _our_clones(config: PgplatConfig, binaries: Binaries) -> tuple[list[float], list[float]]:
    """The plugin's server (RAM, no fsync): raw CREATE DATABASE … TEMPLATE, then what a test
    waits for ``pgplat_db`` when tests do no work at all (the pool cannot get ahead)."""
    root = scratch_dir("bench-clone")
    cluster = LocalCluster(config, root / "c", binaries=binaries, port=0, durable=False)
    try:
        info = cluster.up()
        template = f"{info.dbname}_template"
        with psycopg.connect(info.admin_conninfo("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(template), sql.Identifier(info.dbname)
                )
            )
            raw = []
            for n in range(CLONES):
                clone = sql.Identifier(f"clone_{n}")
                create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    clone, sql.Identifier(template)
                )
                raw.append(_timed(lambda q=create: conn.execute(q)))
                conn.execute(sql.SQL("DROP DATABASE {}").format(clone))
        pool = ClonePool(info.admin_conninfo("postgres"), template)
        waits = []
        for _ in range(CLONES):
            start = time.perf_counter()
            name = pool.take()
            waits.append(time.perf_counter() - start)
            pool.give_back(name)
        pool.close()
        return raw, waits
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


def _peer(binaries: Binaries, root: Path) -> PostgreSQLExecutor:
    account = server_account()
    account.make_dir(root / "run")
    return PostgreSQLExecutor(
        executable=_pg_ctl_as(account, binaries, root),
        host="127.0.0.1",
        port=_free_port(),
        datadir=str(root / "run" / "data"),
        unixsocketdir=str(root / "run"),
        logfile=str(root / "run" / "log"),
        startparams="-w",
        dbname="innovate",
    )


def _peer_clones(binaries: Binaries) -> list[float]:
    """pytest-postgresql's janitor cloning a template, in RAM like ours."""
    root = scratch_dir("bench-peer")
    executor = _peer(binaries, root)
    executor.start()
    try:
        params = {"user": "postgres", "host": "127.0.0.1", "port": executor.port}
        DatabaseJanitor(dbname="template_db", as_template=True, **params).init()
        samples = []
        for n in range(CLONES):
            janitor = DatabaseJanitor(dbname=f"clone_{n}", template_dbname="template_db", **params)
            samples.append(_timed(janitor.init))
            janitor.drop()
        return samples
    finally:
        executor.stop()
        shutil.rmtree(root, ignore_errors=True)


def rows() -> list[Row]:
    config = load_config(EXAMPLE)
    binaries = embedded_for(config)  # cached before timing: "binaries cached"
    os.environ.pop("PGPASSWORD", None)
    ups = _cold_and_warm_ups(config, binaries)
    peer_clone = _peer_clones(binaries)
    ours_clone, ours_wait = _our_clones(config, binaries)
    med = statistics.median
    label = (
        f"PostgreSQL {binaries.version}, load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    return [
        Row(f"dev up, cold ({label})", "LocalCluster.up (TLS, roles, bootstrap)", med(ups["cold"]) * 1000, "initdb + pg_ctl start", med(ups["floor"]) * 1000, "ms", "<= 1.5x"),
        Row("dev up, cold vs peer", "LocalCluster.up", med(ups["cold"]) * 1000, "pytest-postgresql start", med(ups["peer"]) * 1000, "ms"),
        Row("dev up, warm (data kept)", "LocalCluster.up", med(ups["warm"]) * 1000, "pg_ctl start", med(ups["floor_warm"]) * 1000, "ms", "<= 500 ms"),
        Row("per-test database clone (median)", "CREATE DATABASE TEMPLATE (plugin server)", med(ours_clone) * 1000, "pytest-postgresql janitor", med(peer_clone) * 1000, "ms", "<= 50 ms"),
        Row("per-test wait, empty tests (median)", "pgplat_db fixture (clone pool)", med(ours_wait) * 1000, "pytest-postgresql janitor", med(peer_clone) * 1000, "ms", "<= 50 ms"),
    ]  # fmt: skip
