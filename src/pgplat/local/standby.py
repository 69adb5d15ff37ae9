"""A streaming standby of a local cluster, for failover tests and drills.

The embedded builds have no ``pg_basebackup``, so the standby is a cold copy: stop the
primary cleanly, copy its data directory, mark the copy as a standby that streams from the
primary, and start both. Both servers share the CA, the passwords and the configuration, so
clients verify and log in to either one the same way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
from psycopg import conninfo

from pgplat.errors import UserError
from pgplat.local.account import server_account
from pgplat.local.binaries import Binaries
from pgplat.local.cluster import LocalCluster, ServerInfo, copy_data_dir
from pgplat.local.files import write_private
from pgplat.local.passwords import SUPERUSER

_SHARED_FILES = ("passwords.json", "state.json")
STANDBY_NAME = "pgplat_standby"
"""The standby's ``application_name`` on the primary (``pg_stat_replication``)."""


def make_standby(primary: LocalCluster, root_dir: Path) -> LocalCluster:
    """Create, start and return a standby of ``primary`` under ``root_dir`` (on any free port).

    The primary is restarted (a few hundred milliseconds); its committed data is all on
    the standby, which then follows it by streaming replication.
    """
    standby = _sharing_identity(primary, root_dir, primary.binaries, _SHARED_FILES)
    account = server_account()
    for directory in (standby.socket_dir, standby.log_file.parent):
        account.make_dir(directory)

    primary.down()
    copy_data_dir(account, primary.data_dir, standby.data_dir)
    source = primary.up()
    for leftover in ("postmaster.pid", "postmaster.opts"):
        (standby.data_dir / leftover).unlink(missing_ok=True)
    write_private(
        standby.data_dir / "postgresql.pgplat.conf", standby.settings(), owner=account.owner
    )
    (standby.data_dir / "standby.signal").touch()
    stream_from = conninfo.make_conninfo(
        host=str(source.socket_dir),
        port=source.port,
        user=SUPERUSER,
        password=source.passwords[SUPERUSER],
        application_name=STANDBY_NAME,
    )
    with (standby.data_dir / "postgresql.auto.conf").open("a") as auto:
        auto.write(f"primary_conninfo = '{stream_from.replace(chr(39), chr(39) * 2)}'\n")
    standby.up()
    return standby


def make_sibling(primary: LocalCluster, root_dir: Path, binaries: Binaries) -> LocalCluster:
    """A new cluster on ``binaries`` (any free port, not created yet) that shares
    ``primary``'s passwords, CA and server certificate: the green of an upgrade rehearsal,
    which clients log in to and verify exactly as they do ``primary``."""
    return _sharing_identity(primary, root_dir, binaries, ("passwords.json",))


def _sharing_identity(
    primary: LocalCluster, root_dir: Path, binaries: Binaries, files: tuple[str, ...]
) -> LocalCluster:
    """An empty cluster under ``root_dir`` holding copies of ``primary``'s ``files`` and TLS."""
    cluster = LocalCluster(primary.config, root_dir, binaries=binaries, port=0)
    if cluster.status() != "absent":
        raise UserError(f"{cluster.root} already holds a cluster; pick an empty root_dir")
    account = server_account()
    cluster.make_root(account)
    for name in files:
        shutil.copy2(primary.root / name, cluster.root / name)
    shutil.copytree(primary.tls.ca_cert.parent, cluster.tls.ca_cert.parent)
    account.own(cluster.tls.server_key, 0o600)
    return cluster


def promote(standby: LocalCluster) -> ServerInfo:
    """Turn a standby into a primary that accepts writes, and return how to reach it."""
    result = server_account().run(
        [standby.binaries.tool("pg_ctl"), "promote", "-D", str(standby.data_dir), "-w"]
    )
    if result.returncode != 0:
        raise UserError(f"pg_ctl promote failed: {result.stderr.strip()}")
    return standby.info()


def replication(primary: ServerInfo) -> dict[str, object] | None:
    """How the primary sees its standby: streaming state and bytes not replayed yet; None when
    no standby is connected (`pgplat dev status`)."""
    with psycopg.connect(primary.admin_conninfo("postgres"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint"
            " FROM pg_stat_replication WHERE application_name = %s",
            [STANDBY_NAME],
        ).fetchone()
    return None if row is None else {"state": row[0], "lag_bytes": row[1]}
