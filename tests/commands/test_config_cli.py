"""`pgplat config …`, `pgplat init` and the global options, through the real console entry."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE, NORTHWIND


def test_validate_innovate_warns_about_postgresql_14(run_cli: RunCli) -> None:
    done = run_cli("config", "validate", str(INNOVATE))
    assert done.returncode == 0, done.stderr
    assert "is valid" in done.stdout
    assert "PostgreSQL 14" in done.stderr
    assert "upgrade to PostgreSQL" in done.stderr


def test_explain_shows_derived_utc_windows(run_cli: RunCli) -> None:
    done = run_cli("--config", str(INNOVATE), "--quiet", "config", "explain")
    assert done.returncode == 0, done.stderr
    assert "derived.backup_window_utc" in done.stdout
    assert "sun:09:00-sun:10:00" in done.stdout
    assert done.stderr == ""


def test_explain_json_is_machine_readable(run_cli: RunCli) -> None:
    done = run_cli("-o", "json", "-q", "config", "explain", str(NORTHWIND))
    settings = json.loads(done.stdout)
    assert settings["derived.backup_window_utc"] == {"value": "02:00-03:00", "source": "derived"}
    assert settings["environments.prod.flavor"]["source"] == "file"


def test_invalid_file_is_one_line_and_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(INNOVATE.read_text().replace('data: "111111111111"', 'data: "1111"'))
    done = run_cli("config", "validate", str(bad))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert f"{bad}:10: accounts.data:" in line


def test_invalid_file_json_lists_errors(run_cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(INNOVATE.read_text().replace("readers: 2", "readers: 20"))
    done = run_cli("-o", "json", "config", "validate", str(bad))
    assert done.returncode == 2
    report = json.loads(done.stdout)
    assert report["valid"] is False
    assert report["errors"][0]["field"] == "environments.prod.readers"


def test_missing_file_is_a_user_error(run_cli: RunCli) -> None:
    done = run_cli("-c", "nope.yaml", "config", "explain")
    assert done.returncode == 2
    assert "no such configuration file" in done.stderr
    assert "Traceback" not in done.stderr


def test_schema_is_json_schema(run_cli: RunCli) -> None:
    schema = json.loads(run_cli("config", "schema").stdout)
    assert schema["title"] == "PgplatConfig"
    assert "environments" in schema["required"]
    assert "description" in schema["$defs"]["Backup"]["properties"]["retention_days"]


def test_init_writes_a_valid_file_once(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("init").returncode == 0
    assert run_cli("config", "validate").returncode == 0
    again = run_cli("init")
    assert again.returncode == 2
    assert "--force" in again.stderr


def test_version(run_cli: RunCli) -> None:
    assert run_cli("--version").stdout.startswith("pgplat ")
