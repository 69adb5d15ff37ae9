"""A deploy that would replace or remove a resource holding data is found before CloudFormation
starts: properties over the shipped templates, the deployed template read back from moto, and
`pgplat deploy` refusing in one line."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from pgplat.deploy.replacement import (
    KEEPS_DATA,
    create_only_properties,
    deployed_template,
    replacements,
)
from pgplat.infra.app import Synthesis
from tests.fixtures.cli import run_main
from tests.fixtures.examples import INNOVATE

SNAPSHOTS = Path(__file__).resolve().parents[1] / "infra" / "snapshots"
TEMPLATES = {p.stem: json.loads(p.read_text()) for p in sorted(SNAPSHOTS.glob("*.json"))}
REGION = "us-east-1"


STATEFUL = sorted(
    (name, logical_id, resource["Type"])
    for name, template in TEMPLATES.items()
    for logical_id, resource in template["Resources"].items()
    if resource.get("DeletionPolicy") in KEEPS_DATA
)
"""Every resource of the shipped templates that holds data: (template, logical id, type)."""
REPLACEABLE = [r for r in STATEFUL if create_only_properties(REGION, r[2])]


def _edited(name: str, logical_id: str, **properties: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A shipped template and a copy with ``properties`` of one resource set."""
    template = TEMPLATES[name]
    new = copy.deepcopy(template)
    new["Resources"][logical_id].setdefault("Properties", {}).update(properties)
    return template, new


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_an_unchanged_template_replaces_nothing(name: str) -> None:
    assert list(replacements(name, TEMPLATES[name], TEMPLATES[name], REGION)) == []


@settings(max_examples=40, deadline=None)
@given(resource=st.sampled_from(REPLACEABLE), data=st.data())
def test_changing_a_create_only_property_is_found_and_named(
    resource: tuple[str, str, str], data: st.DataObject
) -> None:
    name, logical_id, kind = resource
    top_level = sorted({path[0] for path in create_only_properties(REGION, kind)})
    prop = data.draw(st.sampled_from(top_level))
    template, new = _edited(name, logical_id, **{prop: "changed-by-the-test"})
    [found] = replacements(name, template, new, REGION)
    assert (found.logical_id, found.resource_type) == (logical_id, kind)
    assert prop in found.reason
    assert "replaced" in found.reason


@settings(max_examples=30, deadline=None)
@given(resource=st.sampled_from(STATEFUL))
def test_changing_an_updatable_property_replaces_nothing(resource: tuple[str, str, str]) -> None:
    name, logical_id, kind = resource
    assert ("Tags",) not in create_only_properties(REGION, kind)
    template, new = _edited(name, logical_id, Tags=[{"Key": "changed", "Value": "by-the-test"}])
    assert list(replacements(name, template, new, REGION)) == []


@settings(max_examples=20, deadline=None)
@given(resource=st.sampled_from(STATEFUL))
def test_a_removed_or_renamed_resource_is_found(resource: tuple[str, str, str]) -> None:
    name, logical_id, _ = resource
    template, new = _edited(name, logical_id)
    new["Resources"][logical_id + "Renamed"] = new["Resources"].pop(logical_id)
    [found] = replacements(name, template, new, REGION)
    assert found.logical_id == logical_id
    assert "removed" in found.reason


def test_resources_that_hold_no_data_may_be_replaced() -> None:
    template = TEMPLATES["innovate-prod-data"]
    new = copy.deepcopy(template)
    for resource in new["Resources"].values():
        if resource.get("DeletionPolicy") not in KEEPS_DATA:
            resource["Properties"] = {"Changed": "by-the-test"}
    assert list(replacements("s", template, new, REGION)) == []


def test_the_aurora_master_username_the_registry_omits_is_create_only() -> None:
    """The default master username changed (postgres → pgplat_admin): a cluster deployed before
    would be replaced, and the registry schema alone does not say so."""
    template = TEMPLATES["innovate-prod-data"]
    [cluster] = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::RDS::DBCluster"]
    before = copy.deepcopy(template)
    before["Resources"][cluster]["Properties"]["MasterUsername"] = "postgres"
    [found] = replacements("innovate-prod-data", before, template, REGION)
    assert found.logical_id == cluster
    assert "MasterUsername" in found.reason


@mock_aws
def test_the_deployed_template_is_read_back_and_a_missing_stack_is_none() -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    assert deployed_template(cloudformation, "never-deployed") is None
    body = {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain"}}}
    cloudformation.create_stack(StackName="deployed", TemplateBody=json.dumps(body))
    assert deployed_template(cloudformation, "deployed") == body


def _deploy_dev(
    capsys: pytest.CaptureFixture[str], synth: Synthesis, *extra: str
) -> tuple[int, str]:
    return run_main(
        capsys,
        "-q",
        "-c",
        str(INNOVATE),
        "deploy",
        "--env",
        "dev",
        "--no-synth",
        "--cdk-out",
        str(synth.outdir),
        "--parameter=innovate-dev-app:AppVpc0Id=vpc-0d1e2f",
        "--parameter=innovate-dev-app:AppVpc0RouteTableId=rtb-0d1e2f",
        "--parameter=innovate-dev-app:AppVpc0SubnetIds=subnet-1,subnet-2",
        *extra,
    )


@mock_aws
def test_deploy_refuses_to_replace_a_deployed_database_in_one_line(
    capsys: pytest.CaptureFixture[str], innovate_synth: Synthesis
) -> None:
    """The dev database was deployed when the master user was `postgres`: deploying the new
    default would give the application an empty database."""
    new = innovate_synth.template("innovate-dev-data")
    [instance] = [k for k, v in new["Resources"].items() if v["Type"] == "AWS::RDS::DBInstance"]
    old = {
        "Resources": {
            instance: {
                "Type": "AWS::RDS::DBInstance",
                "DeletionPolicy": "Snapshot",
                "Properties": {
                    "Engine": "postgres",
                    "DBInstanceClass": "db.t4g.micro",
                    "AllocatedStorage": "20",
                    "MasterUsername": "postgres",
                    "ManageMasterUserPassword": True,
                },
            }
        }
    }
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(StackName="innovate-dev-data", TemplateBody=json.dumps(old))
    code, stderr = _deploy_dev(capsys, innovate_synth)
    assert code == 2
    [line] = stderr.strip().splitlines()
    assert line.startswith("error: deploy refused, data would be lost: innovate-dev-data: ")
    for named in (instance, "MasterUsername", "--allow-replacement"):
        assert named in line
