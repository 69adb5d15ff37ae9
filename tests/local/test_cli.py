"""`pgplat dev` end to end in a project directory: .env, .gitignore, url, status, seed, k8s,
confirmations."""

from __future__ import annotations

import contextlib
import json
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml
from dotenv import dotenv_values
from typer.testing import CliRunner, Result

from pgplat.commands.app import app
from pgplat.config.loader import load_config
from pgplat.drills.failover.local import standby_of
from pgplat.errors import UserError
from pgplat.local.cluster import LocalCluster
from pgplat.local.logs import log_lines
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE
from tests.fixtures.postgres import server_root

SEED_SQL = (
    "CREATE TABLE IF NOT EXISTS app.colors (name text PRIMARY KEY);\n"
    "INSERT INTO app.colors VALUES ('red') ON CONFLICT DO NOTHING;\n"
)
SEED_PY = """\
import os
import psycopg

assert not any(k.startswith("AWS_") for k in os.environ), "seeds must not see cloud credentials"
with psycopg.connect() as conn:  # PG* variables of the local server only
    conn.execute("INSERT INTO app.colors VALUES ('green') ON CONFLICT DO NOTHING")
"""


def pgplat(project: Path, *args: str, stdin: str | None = None) -> Result:
    """`pgplat -q ARGS` run in the project directory, where its files live."""
    with contextlib.chdir(project):
        return CliRunner().invoke(app, ["-q", *args], input=stdin)


def dev(project: Path, *args: str) -> Result:
    return pgplat(project, "dev", *args)


@pytest.fixture(scope="module")
def project() -> Iterator[Path]:
    """A project with pgplat.yaml (port 15432, or a free one), seeds, and a running server."""
    root = server_root("project")
    config = yaml.safe_load(INNOVATE.read_text())
    config["environments"]["local"] = {
        "port": 15432,
        "seed_scripts": ["seeds/colors.sql", "seeds/green.py"],
    }
    (root / "pgplat.yaml").write_text(yaml.safe_dump(config))
    (root / "seeds").mkdir()
    (root / "seeds" / "colors.sql").write_text(SEED_SQL)
    (root / "seeds" / "green.py").write_text(SEED_PY)
    (root / ".gitignore").write_text("node_modules/")
    result = dev(root, "up")
    assert result.exit_code == 0, result.output
    yield root
    dev(root, "destroy", "--yes")
    shutil.rmtree(root, ignore_errors=True)


def test_env_file_is_private_ignored_and_names_the_prod_variables(project: Path) -> None:
    env_file = project / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = dotenv_values(env_file)
    assert set(values) == {
        "PGHOST",
        "PGPORT",
        "PGDATABASE",
        "PGUSER",
        "PGPASSWORD",
        "PGSSLMODE",
        "PGSSLROOTCERT",
        "PGPLAT_AUTH",
    }
    assert (values["PGUSER"], values["PGSSLMODE"], values["PGPLAT_AUTH"]) == (
        "web",
        "verify-full",
        "password",
    )
    gitignore = (project / ".gitignore").read_text().splitlines()
    assert gitignore[0] == "node_modules/"
    assert {".env", ".pgplat/local/"} <= set(gitignore)
    passwords = project / ".pgplat" / "local" / "passwords.json"
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600


def test_env_file_connects(project: Path) -> None:
    values = {k: v or "" for k, v in dotenv_values(project / ".env").items()}
    conninfo = psycopg.conninfo.make_conninfo(
        host=values["PGHOST"],
        port=values["PGPORT"],
        dbname=values["PGDATABASE"],
        user=values["PGUSER"],
        password=values["PGPASSWORD"],
        sslmode=values["PGSSLMODE"],
        sslrootcert=values["PGSSLROOTCERT"],
    )
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("web",)


def test_url_hides_the_password_unless_asked(project: Path) -> None:
    password = dotenv_values(project / ".env")["PGPASSWORD"]
    assert password
    hidden = dev(project, "url", "--user", "reporting")
    assert hidden.stdout.startswith("postgresql://reporting:****@localhost:")
    assert "sslmode=verify-full" in hidden.stdout
    shown = dev(project, "url", "--show-password")
    assert f"web:{password}@" in shown.stdout
    assert password not in dev(project, "status").stdout


def test_status_in_json_and_logs(project: Path) -> None:
    status = pgplat(project, "-o", "json", "dev", "status")
    assert '"status": "running"' in status.stdout
    assert '"major": 14' in status.stdout
    assert "ready to accept connections" in dev(project, "logs", "-n", "200").stdout


def test_seed_runs_sql_then_python_without_cloud_settings(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    result = dev(project, "seed")
    assert result.exit_code == 0, result.output
    url = dev(project, "url", "--show-password").stdout.strip()
    with psycopg.connect(url) as conn:
        colors = conn.execute("SELECT name FROM app.colors ORDER BY 1").fetchall()
    assert colors == [("green",), ("red",)]


def test_destructive_commands_ask_first(project: Path) -> None:
    refused = pgplat(project, "dev", "destroy", stdin="n\n")
    assert refused.exit_code == 1
    assert (project / ".pgplat" / "local" / "pgdata" / "PG_VERSION").exists()


def test_unknown_user_is_a_user_error(project: Path) -> None:
    result = dev(project, "url", "--user", "nobody")
    assert isinstance(result.exception, UserError)
    assert str(result.exception) == (
        "unknown database user 'nobody'; configured: postgres, web, reporting"
    )


def test_a_symlinked_env_file_is_refused_and_its_target_untouched(
    project: Path, run_cli: RunCli
) -> None:
    target = project.parent / f"{project.name}-precious"
    target.write_bytes(b"not pgplat's\n")
    target.chmod(0o640)
    env_file = project / ".env"
    saved = env_file.read_bytes()
    env_file.unlink()
    env_file.symlink_to(target)
    try:
        result = run_cli("-q", "dev", "up", cwd=project)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1
        assert f"{env_file} is a symbolic link" in result.stderr
        assert target.read_bytes() == b"not pgplat's\n"
        assert stat.S_IMODE(target.stat().st_mode) == 0o640
    finally:
        env_file.unlink()
        env_file.write_bytes(saved)
        env_file.chmod(0o600)
        target.unlink()


def test_down_then_status_exits_3(project: Path) -> None:
    assert dev(project, "down").exit_code == 0
    assert dev(project, "status").exit_code == 3
    assert dev(project, "up").exit_code == 0


def test_a_second_up_leaves_env_byte_identical(project: Path) -> None:
    env_file = project / ".env"
    before = env_file.read_bytes(), env_file.stat().st_mtime_ns, env_file.stat().st_ino
    assert dev(project, "up").exit_code == 0
    assert (env_file.read_bytes(), env_file.stat().st_mtime_ns, env_file.stat().st_ino) == before


def test_url_and_logs_in_json(project: Path) -> None:
    url = json.loads(pgplat(project, "-o", "json", "dev", "url", "-u", "reporting").stdout)
    assert url["user"] == "reporting"
    assert url["url"].startswith("postgresql://reporting:****@localhost:")
    logs = json.loads(pgplat(project, "-o", "json", "dev", "logs", "-n", "500").stdout)
    assert logs["file"].endswith("postgres.log")
    assert any("ready to accept connections" in line for line in logs["lines"])


def test_logs_follow_yields_each_line_as_the_server_writes_it(project: Path) -> None:
    url = dev(project, "url", "--show-password").stdout.strip()
    followed = log_lines(
        LocalCluster(load_config(project / "pgplat.yaml"), project / ".pgplat" / "local").log_file,
        0,
        follow=True,
    )
    with psycopg.connect(url, application_name="followed-by-the-test"):
        pass
    try:
        assert any("followed-by-the-test" in next(followed) for _ in range(20))
    finally:
        followed.close()


def test_status_shows_the_standby(failover_pair: LocalCluster, tmp_path: Path) -> None:
    config = yaml.safe_load(INNOVATE.read_text())
    config["environments"]["local"] = {"data_dir": failover_pair.root.name}
    (tmp_path / "pgplat.yaml").write_text(yaml.safe_dump(config))
    where = ["--project-dir", str(failover_pair.root.parent)]
    described = json.loads(pgplat(tmp_path, *where, "-o", "json", "dev", "status").stdout)
    standby = described["standby"]
    assert standby["status"] == "running"
    assert standby["port"] == standby_of(failover_pair).info().port
    assert standby["replication"]["state"] == "streaming"
    with contextlib.chdir(tmp_path):
        text = CliRunner().invoke(app, [*where, "dev", "status"]).stdout
    assert f"standby: running on localhost:{standby['port']}, streaming" in text
