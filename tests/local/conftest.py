"""A scratch cluster per module for tests that stop, crash, reset or race a server (the shared
``local_pg`` must stay up for everyone else)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.local.cluster import LocalCluster
from tests.fixtures.postgres import server_root


@pytest.fixture(scope="module")
def scratch_cluster(innovate: PgplatConfig) -> Iterator[LocalCluster]:
    base = server_root("scratch")
    cluster = LocalCluster(innovate, base / "local", port=0)
    yield cluster
    cluster.destroy()
    shutil.rmtree(base, ignore_errors=True)
