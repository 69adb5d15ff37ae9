"""The pytest plugin, run as an application would: its own project, its own pytest, on the
README's developer path."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pgplat.commands.app import app
from tests.fixtures.examples import INNOVATE

README = Path(__file__).parents[2] / "README.md"
DEVELOPERS = README.parent / "docs" / "developers.md"

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


def _readme_section() -> str:
    text = README.read_text()
    start = text.index("## Application developers: first connection")
    return text[start : text.index("\n## ", start + 1)]


def _python_blocks(page: str) -> list[str]:
    """The page's test files: its python blocks whose first line names one in tests/."""
    blocks = [b.split("```", 1)[0] for b in page.split("```python\n")[1:]]
    return [b for b in blocks if b.startswith("# tests/")]


def _block(section: str, language: str) -> str:
    start = section.index(f"```{language}\n") + len(language) + 4
    return section[start : section.index("```", start)]


def test_the_readme_developer_path_and_every_fixture(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    """After `make setup`: the README's project, `dev up`, its connect line from a subfolder,
    its test file (with this module's tests beside it, in one pytest run), `dev destroy`."""
    section = _readme_section()
    assert len(section.split("\n", 1)[1].strip().splitlines()) <= 30, "at most 30 lines"
    shell = [line.split("  #")[0].strip() for line in _block(section, "sh").splitlines()]
    assert "pgplat dev up" in shell
    config = yaml.safe_load(INNOVATE.read_text())
    config["environments"]["local"] = {"seed_scripts": ["seed.sql"]}
    pytester.makefile(".yaml", pgplat=yaml.safe_dump(config))
    pytester.makefile(
        ".sql",
        seed="CREATE TABLE app.colors (name text PRIMARY KEY); INSERT INTO app.colors VALUES ('red');",
    )
    project = pytester.path
    up = CliRunner().invoke(
        app, ["--project-dir", str(project), "-c", str(project / "pgplat.yaml"), "dev", "up"]
    )
    assert up.exit_code == 0, up.output
    try:
        tests = project / "tests"
        tests.mkdir()
        connect_line = next(line for line in shell if line.startswith("python -c"))
        with pytest.MonkeyPatch.context() as shell_of_a_newcomer:  # no PG* set, in a subfolder
            for name in [n for n in os.environ if n.startswith("PG")]:
                shell_of_a_newcomer.delenv(name)
            shell_of_a_newcomer.chdir(tests)
            code = shlex.split(connect_line)[2]
            exec(compile(code, "README", "exec"), {})  # noqa: S102 (the README's own line)
        assert capsys.readouterr().out.strip() == "('web',)"
        readme_test = _block(section, "python")
        (tests / readme_test.splitlines()[0].removeprefix("# tests/")).write_text(readme_test)
        (tests / "test_app.py").write_text(APP_TESTS)
        for example in _python_blocks(DEVELOPERS.read_text()):
            (tests / example.splitlines()[0].removeprefix("# tests/")).write_text(example)
        result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "tests/")
        result.assert_outcomes(passed=11)  # README 1, this module's 6, docs/developers.md 4
    finally:
        destroyed = CliRunner().invoke(
            app,
            [
                "--project-dir",
                str(project),
                "-c",
                str(project / "pgplat.yaml"),
                "dev",
                "destroy",
                "--yes",
            ],
        )
    assert destroyed.exit_code == 0, destroyed.output
    assert not (project / ".env").exists(), "destroy takes the dead password away"
