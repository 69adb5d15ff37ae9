"""After a major upgrade the IaC stays true: the synthesis before (the old major with
``upgrade_to``) and after (the new major) differ only in ways CloudFormation applies in place,
and the parameter group the upgrade handed to green is the very resource declared after it.

Which properties replace a resource on change comes from cfn-lint's provider schemas
(``createOnlyProperties``), not from a list of ours.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from pgplat.config import engines
from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig
from pgplat.infra.app import synthesize
from pgplat.naming import database_identifier, parameter_group_name
from tests.fixtures.examples import INNOVATE, NORTHWIND

pytestmark = pytest.mark.slow

GROUP_TYPES = ("AWS::RDS::DBClusterParameterGroup", "AWS::RDS::DBParameterGroup")
DATABASE_TYPES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")
GROUP_PROPERTY = {
    "AWS::RDS::DBCluster": "DBClusterParameterGroupName",
    "AWS::RDS::DBInstance": "DBParameterGroupName",
}


def _config(example: Path, **prod: Any) -> PgplatConfig:
    document = yaml.safe_load(example.read_text())
    version = prod.pop("engine_version", None)
    if version is not None:
        document["database"]["engine_version"] = version
    document["environments"]["prod"].update(prod)
    document["environments"].pop("dev", None)
    return parse_config(yaml.safe_dump(document), file=f"{example.name} (upgrade)")


def _data_template(config: PgplatConfig, out: Path, base: Path) -> dict[str, Any]:
    synthesize(config, out, ["prod"], base_dir=base)
    (template,) = out.rglob("*-prod-data.template.json")
    resources: dict[str, Any] = json.loads(template.read_text())["Resources"]
    return resources


def _create_only(resource_type: str) -> list[str]:
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    return [p.removeprefix("/properties/") for p in schema.get("createOnlyProperties", [])]


def _newest(flavor: str, major: int) -> str:
    offered = [v for v in engines.supported_versions(flavor) if v.startswith(f"{major}.")]  # type: ignore[arg-type]
    return max(offered, key=lambda v: int(v.split(".")[1]))


@pytest.mark.parametrize(("example", "flavor"), [(INNOVATE, "aurora"), (NORTHWIND, "rds")])
def test_the_synthesis_after_the_upgrade_replaces_nothing_and_keeps_green_s_group(
    example: Path, flavor: str, tmp_path: Path
) -> None:
    before_config = _config(example, upgrade_to=18)
    after_config = _config(example, engine_version=_newest(flavor, 18))
    before = _data_template(before_config, tmp_path / "before", example.parent)
    after = _data_template(after_config, tmp_path / "after", example.parent)
    identifier = database_identifier(before_config, "prod")
    groups_before = {lid: r for lid, r in before.items() if r["Type"] in GROUP_TYPES}
    groups_after = {lid: r for lid, r in after.items() if r["Type"] in GROUP_TYPES}
    green_group = parameter_group_name(identifier, 18)

    # Before: both majors' groups; after: only 18's, the same resource (id, name, family).
    assert len(groups_before) == 2
    assert len(groups_after) == 1
    ((group_id, group),) = groups_after.items()
    assert groups_before[group_id] == group
    assert group_id in groups_before
    names = {
        r["Properties"].get("DBClusterParameterGroupName")
        or r["Properties"].get("DBParameterGroupName")
        for r in groups_before.values()
    }
    assert names == {parameter_group_name(identifier, before_config.database.major), green_group}

    # Every database resource (cluster, instances): same logical id, no create-only property
    # changed; the primary now uses the group green was given.
    databases = {k: r for k, r in before.items() if r["Type"] in DATABASE_TYPES}
    for db_id, db_before in databases.items():
        db_after = after[db_id]
        for prop in _create_only(db_before["Type"]):
            assert db_before["Properties"].get(prop) == db_after["Properties"].get(prop), prop
    clusters = [k for k, r in databases.items() if r["Type"] == "AWS::RDS::DBCluster"]
    primary = after[clusters[0] if clusters else next(iter(databases))]
    assert primary["Properties"][GROUP_PROPERTY[primary["Type"]]] == {"Ref": group_id}
    assert (
        group["Properties"].get(
            "DBClusterParameterGroupName", group["Properties"].get("DBParameterGroupName")
        )
        == green_group
    )
