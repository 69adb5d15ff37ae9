"""One twin for the upgrade tests: PostgreSQL 14 (the innovate example) with the tables
innovate's validation suite names, in a project of its own. Tests leave it as they found it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import psycopg
import pytest

from pgplat.config.model import PgplatConfig
from pgplat.local.cluster import LocalCluster
from pgplat.project import Project
from tests.fixtures.postgres import server_root

ROWS = 5000


def fill(cluster: LocalCluster, rows: int = ROWS) -> None:
    """The tables innovate's validation suite names, with ``rows`` rows each."""
    with psycopg.connect(cluster.info().admin_conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE app.users (id bigserial PRIMARY KEY, name text)")
        conn.execute(
            "CREATE TABLE app.orders (id bigserial PRIMARY KEY, user_id bigint, "
            "created_at timestamptz NOT NULL DEFAULT now(), total numeric)"
        )
        conn.execute(
            f"INSERT INTO app.users (name) SELECT 'u' || g FROM generate_series(1, {rows}) g"
        )
        conn.execute(
            f"INSERT INTO app.orders (user_id, total) SELECT g % 100, g * 1.5 "
            f"FROM generate_series(1, {rows}) g"
        )


@pytest.fixture(scope="session")
def twin(innovate: PgplatConfig) -> Iterator[tuple[LocalCluster, Project]]:
    """A running twin with the tables innovate's validation suite names, in a project."""
    root = server_root("upgrade")
    project = Project(root)
    cluster = LocalCluster(innovate, project.local, port=0)
    cluster.up()
    fill(cluster)
    yield cluster, project
    cluster.destroy()
    shutil.rmtree(root, ignore_errors=True)
