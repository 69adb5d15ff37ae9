"""The compose file for Docker users, checked structurally (no Docker engine here)."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import yaml
from dotenv import dotenv_values
from typer.testing import CliRunner

from pgplat.commands.app import app
from tests.fixtures.examples import INNOVATE


def test_compose_mirrors_prod_and_keeps_passwords_in_env(tmp_path: Path) -> None:
    (tmp_path / "pgplat.yaml").write_text(INNOVATE.read_text())
    with contextlib.chdir(tmp_path):
        result = CliRunner().invoke(app, ["-q", "dev", "compose"])
    assert result.exit_code == 0, result.output
    compose_text = (tmp_path / "compose.yaml").read_text()
    service = yaml.safe_load(compose_text)["services"]["postgres"]
    assert service["image"] == "postgres:14.19"
    assert service["healthcheck"]["test"] == ["CMD-SHELL", "pg_isready -U postgres -d innovate"]
    assert service["ports"] == ["127.0.0.1:5432:5432"]
    assert "pgdata:/var/lib/postgresql/data" in service["volumes"]
    assert yaml.safe_load(compose_text)["volumes"] == {"pgdata": {}}
    assert service["environment"]["POSTGRES_DB"] == "innovate"
    start = service["command"][2]
    for setting in (
        "ssl=on",
        "hba_file=",
        "shared_preload_libraries=pg_stat_statements",
        "timezone=UTC",
    ):
        assert setting in start

    env = dotenv_values(tmp_path / ".env")
    assert env["PGSSLMODE"] == "verify-full"
    for user in ("POSTGRES", "WEB", "REPORTING"):
        password = env[f"PGPLAT_PASSWORD_{user}"]
        assert password
        assert password not in compose_text
        assert f"${{PGPLAT_PASSWORD_{user}:?" in compose_text

    for mount in service["volumes"][1:]:
        source = mount.split(":")[0]
        assert (tmp_path / source).exists(), source
    initdb = tmp_path / ".pgplat" / "local" / "docker" / "initdb"
    assert "GRANT rds_iam" in (initdb / "10-bootstrap.sql").read_text()
    syntax = subprocess.run(["sh", "-n", str(initdb / "20-passwords.sh")], check=False)
    assert syntax.returncode == 0
    hba = (tmp_path / ".pgplat" / "local" / "docker" / "pg_hba.conf").read_text()
    assert "hostnossl all all all       reject" in hba
