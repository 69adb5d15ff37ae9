"""The pytest plugin, run as an application would: its own project, its own pytest."""

from __future__ import annotations

import pytest
import yaml

from tests.fixtures.examples import INNOVATE

pytest_plugins = ["pytester"]

APP_TESTS = """
import psycopg

seen = []


def _colors(info):
    with psycopg.connect(info.conninfo("web"), autocommit=True) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM app.colors ORDER BY 1")]


def test_first_sees_the_seeded_template_and_writes(pgplat_db):
    seen.append(pgplat_db.dbname)
    assert _colors(pgplat_db) == ["red"]
    with psycopg.connect(pgplat_db.conninfo("web"), autocommit=True) as conn:
        conn.execute("INSERT INTO app.colors VALUES ('blue')")
    assert _colors(pgplat_db) == ["blue", "red"]


def test_second_starts_clean_in_another_database(pgplat_db):
    assert _colors(pgplat_db) == ["red"]
    assert pgplat_db.dbname != seen[0]


def test_read_only_user_is_read_only_in_clones_too(pgplat_db):
    with psycopg.connect(pgplat_db.conninfo("reporting")) as conn:
        try:
            conn.execute("DELETE FROM app.colors")
        except psycopg.errors.InsufficientPrivilege:
            return
    raise AssertionError("reporting could delete")


def test_default_user_is_the_application_with_production_grants(pgplat_db):
    with psycopg.connect(pgplat_db.conninfo()) as conn:
        assert conn.info.user == "web"
        try:
            conn.execute("CREATE ROLE intruder")
        except psycopg.errors.InsufficientPrivilege:
            return
    raise AssertionError("the default test user could CREATE ROLE")


def test_superuser_only_on_request_in_the_same_database(pgplat_db, pgplat_superuser_db):
    assert pgplat_superuser_db.dbname == pgplat_db.dbname
    with psycopg.connect(pgplat_superuser_db.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE ROLE allowed_here")
        conn.execute("DROP ROLE allowed_here")


def test_pgplat_connect_reaches_this_tests_database(pgplat_db, pgplat_env):
    import pgplat

    with pgplat.connect(env_file=None) as conn:
        row = conn.execute("SELECT current_database(), current_user").fetchone()
    assert row == (pgplat_db.dbname, "web")
"""


def test_each_test_gets_its_own_clone_of_the_migrated_template(pytester: pytest.Pytester) -> None:
    config = yaml.safe_load(INNOVATE.read_text())
    config["environments"]["local"] = {"seed_scripts": ["seed.sql"]}
    pytester.makefile(".yaml", pgplat=yaml.safe_dump(config))
    pytester.makefile(
        ".sql",
        seed="CREATE TABLE app.colors (name text PRIMARY KEY); INSERT INTO app.colors VALUES ('red');",
    )
    pytester.makepyfile(test_app=APP_TESTS)
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
