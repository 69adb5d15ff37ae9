"""The clone pool behind the pytest plugin: distinct clones of the template, all dropped."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from pgplat.local.clones import ClonePool
from pgplat.local.cluster import ServerInfo

TEMPLATE = "clones_template"


@pytest.fixture
def template(local_pg: ServerInfo) -> Iterator[str]:
    with psycopg.connect(local_pg.admin_conninfo(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(TEMPLATE), sql.Identifier(local_pg.dbname)
            )
        )
        with psycopg.connect(local_pg.admin_conninfo(TEMPLATE), autocommit=True) as tmpl:
            tmpl.execute("CREATE TABLE app.marker (id int); INSERT INTO app.marker VALUES (7)")
        yield TEMPLATE
        conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(TEMPLATE)))


def _clones(info: ServerInfo) -> list[str]:
    with psycopg.connect(info.admin_conninfo()) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{TEMPLATE}\\_%"]
        ).fetchall()
    return [r[0] for r in rows]


def test_clones_are_distinct_copies_and_all_dropped_on_close(
    local_pg: ServerInfo, template: str
) -> None:
    pool = ClonePool(local_pg.admin_conninfo("postgres"), template)
    try:
        first, second = pool.take(), pool.take()
        assert first != second
        with psycopg.connect(local_pg.conninfo("web", dbname=first)) as conn:
            assert conn.execute("SELECT id FROM app.marker").fetchall() == [(7,)]
        pool.give_back(first)
        pool.give_back(second)
    finally:
        pool.close()
    assert _clones(local_pg) == []


def test_a_failing_worker_fails_every_take(local_pg: ServerInfo) -> None:
    pool = ClonePool(local_pg.admin_conninfo("postgres"), "no_such_template")
    try:
        for _ in range(2):
            with pytest.raises(psycopg.errors.InvalidCatalogName):
                pool.take()
    finally:
        pool.close()
