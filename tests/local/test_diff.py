"""`pgplat dev diff`: the twin measured against production's configuration, on the shared
server (configurations that differ from it on purpose, no extra server)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from pgplat.commands.app import app
from pgplat.config.model import PgplatConfig
from pgplat.infra.parameters import effective_parameters
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.parity import Difference, differences
from tests.fixtures.examples import INNOVATE


def _production(config: PgplatConfig) -> dict[str, str]:
    prod = config.environments.prod
    return effective_parameters(prod.parameters, pgaudit_classes=config.audit.pgaudit_classes)


def _measured(config: PgplatConfig, local_pg: ServerInfo) -> dict[tuple[str, str], Difference]:
    return {(d.aspect, d.name): d for d in differences(config, local_pg, _production(config))}


def test_the_twin_of_the_example_matches_on_version_tls_and_schema_grants(
    innovate: PgplatConfig, local_pg: ServerInfo
) -> None:
    found = _measured(innovate, local_pg)
    assert {aspect for aspect, _ in found} <= {"parameter", "user", "extension"}
    assert found["user", "web authentication"] == Difference(
        "user", "web authentication", "iam", "password", by_design=True
    )
    missing = found["parameter", "shared_preload_libraries"]
    assert missing.production == "pg_stat_statements,pgaudit"


def test_another_minor_a_missing_extension_user_and_parameter_are_listed(
    innovate: PgplatConfig, local_pg: ServerInfo
) -> None:
    database = innovate.database.model_copy(
        update={
            "engine_version": "14.12",
            "extensions": [*innovate.database.extensions, "hstore"],
            "users": [
                *innovate.database.users,
                innovate.database.users[0].model_copy(update={"name": "ghost"}),
            ],
        }
    )
    prod = innovate.environments.prod.model_copy(update={"parameters": {"work_mem": "8192"}})
    config = innovate.model_copy(
        update={
            "database": database,
            "environments": innovate.environments.model_copy(update={"prod": prod}),
        }
    )
    found = _measured(config, local_pg)
    assert found["version", "PostgreSQL"].as_dict() == {
        "aspect": "version",
        "name": "PostgreSQL",
        "production": "14.12",
        "local": "14.19",
        "by_design": False,
    }
    assert found["extension", "hstore"].local == "missing"
    assert found["user", "ghost"].local == "missing"
    assert (found["parameter", "work_mem"].production, found["parameter", "work_mem"].local) == (
        "8192",
        "4096",
    )


def test_dev_diff_in_json_and_text(local_cluster: LocalCluster, tmp_path: Path) -> None:
    config = yaml.safe_load(INNOVATE.read_text())
    config["environments"]["local"] = {"data_dir": local_cluster.root.name}
    (tmp_path / "pgplat.yaml").write_text(yaml.safe_dump(config))
    where = ["-c", str(tmp_path / "pgplat.yaml"), "--project-dir", str(local_cluster.root.parent)]
    as_json = CliRunner().invoke(app, [*where, "-o", "json", "dev", "diff"])
    assert as_json.exit_code == 1, as_json.output
    listed = json.loads(as_json.stdout)["differences"]
    assert {
        "aspect": "user",
        "name": "web authentication",
        "production": "iam",
        "local": "password",
        "by_design": True,
    } in listed
    text = CliRunner().invoke(app, [*where, "dev", "diff"]).stdout
    assert "shared_preload_libraries" in text
    assert "by design" in text
