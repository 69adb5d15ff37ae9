"""A streaming standby of a local cluster, for failover tests and drills.

The embedded builds have no ``pg_basebackup``, so the standby is a cold copy: stop the
primary cleanly, copy its data directory, mark the copy as a standby that streams from the
primary, and start both. Both servers share the CA, the passwords and the configuration, so
clients verify and log in to either one the same way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from psycopg import conninfo

from pgplat.errors import UserError
from pgplat.local.account import server_account
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.files import write_private
from pgplat.local.passwords import SUPERUSER

_SHARED_FILES = ("passwords.json", "state.json")


def make_standby(primary: LocalCluster, root_dir: Path) -> LocalCluster:
    """Create, start and return a standby of ``primary`` under ``root_dir`` (on any free port).

    The primary is restarted (a few hundred milliseconds); its committed data is all on
    the standby, which then follows it by streaming replication.
    """
    standby = LocalCluster(primary.config, root_dir, binaries=primary.binaries, port=0)
    if standby.status() != "absent":
        raise UserError(f"{standby.root} already holds a cluster; pick an empty root_dir")
    account = server_account()
    standby.make_root(account)
    for name in _SHARED_FILES:
        shutil.copy2(primary.root / name, standby.root / name)
    shutil.copytree(primary.tls.ca_cert.parent, standby.tls.ca_cert.parent)
    account.own(standby.tls.server_key, 0o600)
    for directory in (standby.data_dir, standby.socket_dir, standby.log_file.parent):
        account.make_dir(directory)

    primary.down()
    copied = account.run(["cp", "-a", f"{primary.data_dir}/.", str(standby.data_dir)])
    if copied.returncode != 0:
        raise UserError(f"copying {primary.data_dir} failed: {copied.stderr.strip()}")
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
        application_name="pgplat_standby",
    )
    with (standby.data_dir / "postgresql.auto.conf").open("a") as auto:
        auto.write(f"primary_conninfo = '{stream_from.replace(chr(39), chr(39) * 2)}'\n")
    standby.up()
    return standby


def promote(standby: LocalCluster) -> ServerInfo:
    """Turn a standby into a primary that accepts writes, and return how to reach it."""
    result = server_account().run(
        [standby.binaries.tool("pg_ctl"), "promote", "-D", str(standby.data_dir), "-w"]
    )
    if result.returncode != 0:
        raise UserError(f"pg_ctl promote failed: {result.stderr.strip()}")
    return standby.info()
