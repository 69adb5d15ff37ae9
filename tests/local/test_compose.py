"""The compose file for Docker users: checked against the compose specification's own schema
(shipped by check-jsonschema, never fetched), and beside a running native server."""

from __future__ import annotations

import contextlib
import json
import subprocess
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from dotenv import dotenv_values
from hypothesis import given, settings
from typer.testing import CliRunner, Result

from pgplat.commands.app import app
from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.local.cluster import LocalCluster
from pgplat.local.compose import compose_document
from tests.fixtures.configs import configurations
from tests.fixtures.examples import INNOVATE


@cache
def _compose_spec() -> jsonschema.protocols.Validator:
    vendored = resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json"
    schema = json.loads(vendored.read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def _assert_valid_compose(document: Any) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in _compose_spec().iter_errors(document)
    ]
    assert not errors, errors


def _write_config(project: Path, **local: str) -> None:
    """The example with ``environments.local`` settings added."""
    document = yaml.safe_load(INNOVATE.read_text())
    document["environments"]["local"] |= local
    (project / "pgplat.yaml").write_text(yaml.safe_dump(document))


def _compose(project: Path, *args: str) -> Result:
    with contextlib.chdir(project):
        result = CliRunner().invoke(app, ["dev", "compose", *args])
    assert result.exit_code == 0, result.output
    return result


def test_compose_mirrors_prod_and_keeps_passwords_out_of_the_files(tmp_path: Path) -> None:
    (tmp_path / "pgplat.yaml").write_text(INNOVATE.read_text())
    _compose(tmp_path)
    compose_text = (tmp_path / "compose.yaml").read_text()
    document = yaml.safe_load(compose_text)
    _assert_valid_compose(document)
    service = document["services"]["postgres"]
    assert service["image"] == "postgres:14.19"
    assert service["healthcheck"]["test"] == ["CMD-SHELL", "pg_isready -U postgres -d innovate"]
    assert service["ports"] == ["127.0.0.1:5432:5432"]
    assert "pgdata:/var/lib/postgresql/data" in service["volumes"]
    assert document["volumes"] == {"pgdata": {}}
    assert service["environment"]["POSTGRES_DB"] == "innovate"
    start = service["command"][2]
    for setting in (
        "ssl=on",
        "hba_file=",
        "shared_preload_libraries=pg_stat_statements",
        "timezone=UTC",
    ):
        assert setting in start

    # The container's passwords live in pgplat's private folder, read by compose's env_file.
    (container_env,) = service["env_file"]
    secrets = tmp_path / container_env
    assert secrets.stat().st_mode & 0o777 == 0o600
    passwords = dotenv_values(secrets)
    for user in ("POSTGRES", "WEB", "REPORTING"):
        password = passwords[f"PGPLAT_PASSWORD_{user}"]
        assert password
        assert password not in compose_text
    assert passwords["POSTGRES_PASSWORD"] == passwords["PGPLAT_PASSWORD_POSTGRES"]

    # Compose is not the chosen runtime (binaries: embedded): `.env` is not its to write.
    assert not (tmp_path / ".env").exists()
    app_env = dotenv_values(tmp_path / ".env.compose")
    assert (app_env["PGUSER"], app_env["PGPORT"], app_env["PGSSLMODE"]) == (
        "web",
        "5432",
        "verify-full",
    )
    assert str(passwords["POSTGRES_PASSWORD"]) not in (tmp_path / ".env.compose").read_text()
    assert ".env.compose" in (tmp_path / ".gitignore").read_text().splitlines()

    for mount in service["volumes"][1:]:
        source = mount.split(":")[0]
        assert (tmp_path / source).exists(), source
    initdb = tmp_path / ".pgplat" / "local" / "docker" / "initdb"
    assert "GRANT rds_iam" in (initdb / "10-bootstrap.sql").read_text()
    syntax = subprocess.run(["sh", "-n", str(initdb / "20-passwords.sh")], check=False)
    assert syntax.returncode == 0
    hba = (tmp_path / ".pgplat" / "local" / "docker" / "pg_hba.conf").read_text()
    assert "hostnossl all all all       reject" in hba


def test_compose_leaves_a_running_native_servers_env_byte_identical(
    local_cluster: LocalCluster,
) -> None:
    """The session's server runs on a port other than the preferred 5432 (a port fallback)."""
    project = local_cluster.root.parent
    _write_config(project, data_dir="local")
    with contextlib.chdir(project):
        up = CliRunner().invoke(app, ["-q", "dev", "up"])
    assert up.exit_code == 0, up.output
    native = (project / ".env").read_bytes()
    assert dotenv_values(project / ".env")["PGPORT"] == str(local_cluster.info().port) != "5432"

    said = _compose(project).stderr
    assert "pgplat.connect(env_file='.env.compose')" in said
    assert (project / ".env").read_bytes() == native
    superuser_password = local_cluster.passwords["postgres"]
    assert superuser_password not in (project / ".env").read_text()
    assert superuser_password not in (project / ".env.compose").read_text()
    _assert_valid_compose(yaml.safe_load((project / "compose.yaml").read_text()))


def test_compose_as_the_chosen_runtime_writes_env_for_the_application_only(
    tmp_path: Path,
) -> None:
    _write_config(tmp_path, binaries="docker")
    said = json.loads(_compose(tmp_path, "-o", "json").stdout)
    assert said["env_file"] == str(tmp_path / ".env")
    assert said["compose_file"] == str(tmp_path / "compose.yaml")
    app_env = dotenv_values(tmp_path / ".env")
    assert app_env["PGUSER"] == "web"
    assert not any(name.startswith("PGPLAT_PASSWORD_") for name in app_env)
    passwords = json.loads((tmp_path / ".pgplat" / "local" / "passwords.json").read_text())
    assert passwords["postgres"] not in (tmp_path / ".env").read_text()
    assert not (tmp_path / ".env.compose").exists()


def test_the_superuser_is_refused_for_an_application_env_file(tmp_path: Path) -> None:
    (tmp_path / "pgplat.yaml").write_text(INNOVATE.read_text())
    with contextlib.chdir(tmp_path):
        result = CliRunner().invoke(app, ["-q", "dev", "compose", "--user", "postgres"])
    assert isinstance(result.exception, UserError)
    assert "superuser" in str(result.exception)
    assert not (tmp_path / ".env.compose").exists()


@settings(max_examples=8, deadline=None)
@given(configurations())
def test_every_configuration_gives_a_compose_file_the_specification_accepts(
    config: PgplatConfig,
) -> None:
    _assert_valid_compose(compose_document(config, ".pgplat/local", 5432))
