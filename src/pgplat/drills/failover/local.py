"""The local failover: `pgplat dev`'s server and its streaming standby behind a relay that
plays the cluster endpoint. The primary stops, the standby is promoted, the endpoint is
repointed; afterwards the pair is rebuilt as it was (primary in the usual place, a fresh
standby of it), so the drill can run again and `pgplat dev` keeps its data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from pgplat.client.settings import ENV_VARS
from pgplat.drills.failover.endpoint import Forwarder
from pgplat.errors import UserError
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.standby import make_standby, promote

ENDPOINT_HOST = "127.0.0.1"


def standby_root(primary: LocalCluster) -> Path:
    """Where the standby of a local cluster lives: beside it, in ``<root>-standby``."""
    return primary.root.with_name(f"{primary.root.name}-standby")


def standby_of(primary: LocalCluster) -> LocalCluster:
    """The standby of a local cluster (same binaries, any free port)."""
    return LocalCluster(primary.config, standby_root(primary), binaries=primary.binaries, port=0)


def ensure_standby(primary: LocalCluster) -> ServerInfo:
    """Start the standby of the running ``primary``, creating it the first time."""
    standby = standby_of(primary)
    if standby.status() == "absent":
        return make_standby(primary, standby.root).info()
    return standby.up()


def stop_standby(primary: LocalCluster) -> None:
    """Stop the standby of ``primary`` if it has one (`pgplat dev down`)."""
    if standby_root(primary).exists():
        standby_of(primary).down()


def destroy_standby(primary: LocalCluster) -> None:
    """Stop and delete the standby of ``primary`` if it has one (`pgplat dev destroy`)."""
    if standby_root(primary).exists():
        standby_of(primary).destroy()


class LocalFailover:
    """Fails the local primary over to its standby; ``endpoint`` is where clients connect."""

    def __init__(self, primary: LocalCluster, standby: LocalCluster) -> None:
        for cluster, role in ((primary, "server"), (standby, "standby")):
            if cluster.status() != "running":
                raise UserError(
                    f"the local {role} in {cluster.root} is not running; "
                    "run `pgplat dev up --standby` first"
                )
        with psycopg.connect(standby.info().admin_conninfo(), autocommit=True) as conn:
            if conn.execute("SELECT pg_is_in_recovery()").fetchone() != (True,):
                raise UserError(
                    f"{standby.root} is no longer a standby (a drill was interrupted?); "
                    f"delete that directory and run `pgplat dev up --standby`"
                )
        self.primary = primary
        self.standby = standby
        self.endpoint = Forwarder(primary.info().port)
        self.target = f"local primary {primary.root}"

    def client_settings(self, user: str) -> dict[str, Any]:
        """`pgplat.connect` overrides for ``user`` through the endpoint."""
        env = self.primary.info().env(user) | {
            "PGHOST": ENDPOINT_HOST,
            "PGPORT": str(self.endpoint.port),
        }
        return {ENV_VARS[name]: value for name, value in env.items()}

    def fail_over(self) -> str:
        """Stop the primary, promote the standby and repoint the endpoint; the new writer."""
        self.primary.down()
        info = promote(self.standby)
        self.endpoint.repoint(info.port)
        return f"standby {self.standby.root} on port {info.port}"

    def finish(self) -> None:
        """Rebuild the pair: the primary back in service, a fresh standby of it."""
        if self.primary.status() != "running":
            self.standby.destroy()
            self.primary.up()
            make_standby(self.primary, self.standby.root)
        self.endpoint.repoint(self.primary.info().port)
