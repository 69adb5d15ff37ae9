"""pytest plugin for applications: every test gets its own database, cloned in milliseconds
from a template that was migrated once per session.

Installed with pgplat (entry point ``pytest11``); fixtures are created only when used:

``pgplat_db``       a :class:`~pgplat.local.cluster.ServerInfo` whose ``dbname`` is a fresh
                    clone for this test (``CREATE DATABASE … TEMPLATE``, made ahead of need
                    by a background worker), dropped afterwards. ``conninfo()``, ``env()`` and
                    ``url()`` connect as the application's user (the first read-write one)
                    with production's grants, so a test that needs more fails here too.
``pgplat_superuser_db`` the same database with the superuser as default: ask for it only
                    where a test must do what the application never may (CREATE ROLE, …).
``pgplat_env``      ``pgplat_db``'s settings in the PG* variables for this test, so code that
                    calls ``pgplat.connect()`` reaches the test's database, not ``.env``'s.
``pgplat_server``   the session's throwaway server: production's major, users, extensions
                    and TLS from ``pgplat.yaml``, data in RAM when ``/dev/shm`` exists.
``pgplat_migrate``  override it (session scope) to run your migrations on the template; by
                    default it runs ``environments.local.seed_scripts``.

The configuration file is the ini option ``pgplat_config`` or ``PGPLAT_CONFIG`` (default
``pgplat.yaml``), found from the rootdir upwards; seed scripts are found from its folder, the
project's root.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from pgplat.client.settings import find_upward
from pgplat.config.loader import load_config
from pgplat.config.model import PgplatConfig
from pgplat.local.clones import ClonePool
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.envfile import app_user, migration_user
from pgplat.local.files import scratch_dir
from pgplat.local.passwords import SUPERUSER
from pgplat.local.seed import run_seeds, seed_scripts
from pgplat.project import DEFAULT_CONFIG, Project

Migrate = Callable[[ServerInfo], None]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("pgplat_config", "pgplat.yaml for the pgplat database fixtures", default="")


def _config_path(pytestconfig: pytest.Config) -> Path:
    """The configuration, looked for from the rootdir up to the project's root: without an
    ini file, pytest's rootdir is the folder of the tests named (``pytest tests/x.py``)."""
    configured = str(pytestconfig.getini("pgplat_config")) or os.environ.get(
        "PGPLAT_CONFIG", str(DEFAULT_CONFIG)
    )
    found = find_upward(configured, pytestconfig.rootpath)
    return found or pytestconfig.rootpath / configured


@pytest.fixture(scope="session")
def pgplat_config(pytestconfig: pytest.Config) -> PgplatConfig:
    """The application's pgplat configuration."""
    return load_config(_config_path(pytestconfig))


@pytest.fixture(scope="session")
def pgplat_server(pgplat_config: PgplatConfig) -> Iterator[ServerInfo]:
    """A throwaway local server for the whole session, deleted at the end."""
    root = scratch_dir("pytest")
    cluster = LocalCluster(pgplat_config, root / "cluster", port=0, durable=False)
    try:
        yield cluster.up()
    finally:
        cluster.destroy()
        root.rmdir()


@pytest.fixture(scope="session")
def pgplat_migrate(pgplat_config: PgplatConfig, pytestconfig: pytest.Config) -> Migrate:
    """Prepares the template database; override to run your migrations instead of seeds."""
    project = Project.of(_config_path(pytestconfig))
    scripts = seed_scripts(project, pgplat_config.environments.local.seed_scripts)

    def migrate(template: ServerInfo) -> None:
        for _ in run_seeds(template, template.user, scripts):
            pass

    return migrate


@pytest.fixture(scope="session")
def _pgplat_admin(pgplat_server: ServerInfo) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(pgplat_server.admin_conninfo("postgres"), autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def pgplat_template(
    pgplat_server: ServerInfo,
    pgplat_config: PgplatConfig,
    pgplat_migrate: Migrate,
    _pgplat_admin: psycopg.Connection[tuple[object, ...]],
) -> str:
    """Name of the template database: the bootstrapped app database, migrated once as
    production's migrations run (the owner user, so they meet production's grants and own
    what they make; the superuser when the configuration has no owner)."""
    name = f"{pgplat_server.dbname}_template"
    _pgplat_admin.execute(
        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(pgplat_server.dbname)
        )
    )
    pgplat_migrate(replace(pgplat_server, dbname=name, user=migration_user(pgplat_config)))
    # No connection may linger on a template while it is being cloned.
    _pgplat_admin.execute(
        sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false").format(
            sql.Identifier(name)
        )
    )
    return name


@pytest.fixture(scope="session")
def _pgplat_clones(pgplat_server: ServerInfo, pgplat_template: str) -> Iterator[ClonePool]:
    pool = ClonePool(pgplat_server.admin_conninfo("postgres"), pgplat_template)
    yield pool
    pool.close()


@pytest.fixture
def pgplat_db(
    pgplat_server: ServerInfo, pgplat_config: PgplatConfig, _pgplat_clones: ClonePool
) -> Iterator[ServerInfo]:
    """A database of this test's own, cloned from the template and dropped afterwards;
    connections default to the application's user."""
    name = _pgplat_clones.take()
    yield replace(pgplat_server, dbname=name, user=app_user(pgplat_config))
    _pgplat_clones.give_back(name)


@pytest.fixture
def pgplat_superuser_db(pgplat_db: ServerInfo) -> ServerInfo:
    """This test's database with the superuser as default user: an explicit request."""
    return replace(pgplat_db, user=SUPERUSER)


@pytest.fixture
def pgplat_env(pgplat_db: ServerInfo, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point ``pgplat.connect()`` (the environment beats ``.env``) at this test's database."""
    variables = pgplat_db.env()
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return variables
