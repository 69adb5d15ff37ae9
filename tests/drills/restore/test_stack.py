"""The restore-validation resources in the synthesized data stacks (real CDK synthesis)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from pgplat.config.model import PgplatConfig, ValidationSuite
from pgplat.infra.app import Synthesis
from pgplat.naming import database_identifier, drill_role_name
from pgplat.policy.lint import lint_template
from pgplat.validator.drill_names import DRILL_SG_TAG
from pgplat.validator.metrics import DAYS_SINCE_SUCCESS, NAMESPACE

PROD = "innovate-prod-data"
MINE = "RestoreValidation"


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _mine(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [v["Properties"] for k, v in _of_type(template, kind).items() if k.startswith(MINE)]


def test_source_identifiers_match_the_synthesized_database(
    innovate: PgplatConfig,
    northwind: PgplatConfig,
    innovate_synth: Synthesis,
    northwind_synth: Synthesis,
) -> None:
    (cluster,) = _of_type(innovate_synth.template(PROD), "AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["DBClusterIdentifier"] == database_identifier(innovate, "prod")
    instances = _of_type(northwind_synth.template("northwind-prod-data"), "AWS::RDS::DBInstance")
    assert [i["Properties"]["DBInstanceIdentifier"] for i in instances.values()] == [
        database_identifier(northwind, "prod")
    ]


def test_the_validator_runs_our_handler_inside_the_data_vpc(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    (function,) = _mine(innovate_synth.template(PROD), "AWS::Lambda::Function")
    assert function["Handler"] == "pgplat.validator.handler.handler"
    assert function["Runtime"] == f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert function["VpcConfig"]["SecurityGroupIds"]
    assert function["KmsKeyArn"]
    assert function["Timeout"] == 900
    variables = function["Environment"]["Variables"]
    assert variables["PGPLAT_SOURCE"] == "innovate-prod"
    assert variables["PGPLAT_DATABASE"] == "innovate"
    suite = ValidationSuite.model_validate_json(variables["PGPLAT_SUITE"])
    restore_test = innovate.environments.prod.backup.restore_test
    assert restore_test is not None
    assert suite == restore_test.validation


def test_the_lambda_asset_is_the_validator_and_imports_with_the_runtime_sdk_only(
    innovate_synth: Synthesis, tmp_path: Path
) -> None:
    (function,) = _mine(innovate_synth.template(PROD), "AWS::Lambda::Function")
    asset = (
        innovate_synth.outdir / "prod" / f"asset.{function['Code']['S3Key'].removesuffix('.zip')}"
    )
    assert (asset / "pgplat" / "validator" / "handler.py").is_file()
    shipped = {p.name for p in (asset / "pgplat").iterdir()}
    assert {"validator", "config"} <= shipped
    assert not {"drills", "infra", "policy", "commands", "local", "client"} & shipped
    assert (asset / "psycopg_binary").is_dir()
    assert not (asset / "boto3").exists()
    # The Lambda runtime provides boto3 and its dependencies; nothing else is on the path.
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    import boto3
    import botocore
    import dateutil
    import jmespath
    import s3transfer
    import six
    import urllib3

    for module in (boto3, botocore, dateutil, jmespath, s3transfer, urllib3):
        (runtime / module.__name__).symlink_to(Path(module.__file__).parent)
    (runtime / "six.py").symlink_to(six.__file__)
    done = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            "import pgplat.validator.handler as h; print(h.handler.__name__)",
        ],
        env={"PYTHONPATH": f"{asset}{os.pathsep}{runtime}", "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "handler"


def test_completed_restore_tests_and_a_daily_tick_invoke_the_validator(
    innovate_synth: Synthesis,
) -> None:
    rules = _mine(innovate_synth.template(PROD), "AWS::Events::Rule")
    patterns = [r["EventPattern"] for r in rules if "EventPattern" in r]
    (pattern,) = patterns
    assert pattern["source"] == ["aws.backup"]
    assert pattern["detail-type"] == ["Restore Job State Change"]
    assert pattern["detail"]["status"] == ["COMPLETED"]
    (plan_arn,) = pattern["detail"]["restoreTestingPlanArn"]
    assert plan_arn["Fn::GetAtt"][1] == "RestoreTestingPlanArn"
    assert [r["ScheduleExpression"] for r in rules if "ScheduleExpression" in r] == ["rate(1 day)"]
    assert all(len(r["Targets"]) == 1 for r in rules)


def test_an_alarm_fires_when_no_drill_succeeded_within_max_age(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    (alarm,) = _mine(innovate_synth.template(PROD), "AWS::CloudWatch::Alarm")
    restore_test = innovate.environments.prod.backup.restore_test
    assert restore_test is not None
    assert (alarm["Namespace"], alarm["MetricName"]) == (NAMESPACE, DAYS_SINCE_SUCCESS)
    assert alarm["Dimensions"] == [{"Name": "Database", "Value": "innovate-prod"}]
    assert alarm["Threshold"] == restore_test.max_age_days
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["Period"] * alarm["EvaluationPeriods"] <= 7 * 86400
    assert alarm["AlarmActions"]


def test_restored_copies_are_reachable_from_the_validator_only(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template(PROD)
    groups = {
        k: v["Properties"]
        for k, v in _of_type(template, "AWS::EC2::SecurityGroup").items()
        if k.startswith(MINE)
    }
    (drill_sg,) = [
        k
        for k, g in groups.items()
        if {"Key": DRILL_SG_TAG, "Value": "innovate-prod"} in g.get("Tags", [])
    ]
    ingress = [
        v["Properties"]
        for v in _of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if v["Properties"]["GroupId"] == {"Fn::GetAtt": [drill_sg, "GroupId"]}
    ]
    assert [(i["FromPort"], i["ToPort"]) for i in ingress] == [(5432, 5432)]
    (source,) = [i["SourceSecurityGroupId"]["Fn::GetAtt"][0] for i in ingress]
    assert source.startswith(f"{MINE}ValidatorSecurityGroup")
    for group in groups.values():
        assert not any(
            r.get("CidrIp") == "0.0.0.0/0" for r in group.get("SecurityGroupIngress", [])
        )


def test_aws_backup_restores_test_copies_into_the_drill_group(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template(PROD)
    (selection,) = _of_type(template, "AWS::Backup::RestoreTestingSelection").values()
    groups = json.dumps(selection["Properties"]["RestoreMetadataOverrides"]["vpcsecuritygroupids"])
    assert f"{MINE}DrillSecurityGroup" in groups
    assert "DatabaseSecurityGroup" not in groups


def _statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [
        s
        for policy in _of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_drill_role_may_change_drill_copies_but_never_the_source(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    template = innovate_synth.template(PROD)
    (role_id,) = [
        k
        for k, v in _of_type(template, "AWS::IAM::Role").items()
        if v["Properties"].get("RoleName") == drill_role_name(innovate, "prod")
    ]
    trust = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]
    assert ":111111111111:root" in json.dumps(trust)
    statements = {s.get("Sid"): s for s in _statements(template, role_id)}
    deny = statements["NeverChangeTheSource"]
    assert deny["Effect"] == "Deny"
    assert "rds:Delete*" in deny["Action"]
    assert any(":cluster:innovate-prod" in json.dumps(r) for r in deny["Resource"])
    manage = json.dumps(statements["ManageDrillCopiesOnly"]["Resource"])
    assert ":cluster:drill-*" in manage
    assert "innovate-prod" not in manage.replace("innovate-prod-data", "")
    assert statements["PublishDrillMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": NAMESPACE}
    }


def test_the_validator_may_touch_restore_test_copies_only(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template(PROD)
    (role_id,) = [
        k for k in _of_type(template, "AWS::IAM::Role") if k.startswith(f"{MINE}ValidatorRole")
    ]
    statements = {s.get("Sid"): s for s in _statements(template, role_id)}
    rds = json.dumps(statements["LogInToRestoreTestCopiesOnly"]["Resource"])
    assert ":cluster:awsbackup-restore-test-*" in rds
    assert "innovate-prod" not in rds


def test_without_a_restore_test_only_the_drill_role_and_group_exist(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    template = innovate_synth.template("innovate-dev-data")
    assert _mine(template, "AWS::Lambda::Function") == []
    assert _mine(template, "AWS::CloudWatch::Alarm") == []
    names = [r.get("RoleName") for r in _mine(template, "AWS::IAM::Role")]
    assert drill_role_name(innovate, "dev") in names


@pytest.mark.parametrize("stack", [PROD, "innovate-dev-data", "northwind-prod-data"])
def test_cfn_lint_finds_nothing_in_the_restore_validation_resources(
    stack: str,
    innovate_synth: Synthesis,
    northwind_synth: Synthesis,
    request: pytest.FixtureRequest,
) -> None:
    """cfn-lint's verdict is cached by template text and cfn-lint version (seconds each)."""
    synthesis = innovate_synth if stack.startswith("innovate") else northwind_synth
    info = synthesis.stacks[stack]
    text = info.template_path.read_bytes()
    key = "pgplat/drill-cfn-lint/" + hashlib.sha256(text + version("cfn-lint").encode()).hexdigest()
    found = request.config.cache.get(key, None)
    if found is None:
        lines = text.decode().splitlines()
        mine = [k for k in synthesis.template(stack)["Resources"] if k.startswith(MINE)]
        ranges = _logical_id_lines(lines, mine)
        found = [
            str(f)
            for f in lint_template(stack, info.template_path, info.region)
            if any(start <= f.line <= end for start, end in ranges)
        ]
        request.config.cache.set(key, found)
    assert found == []


def _logical_id_lines(lines: list[str], ids: list[str]) -> list[tuple[int, int]]:
    """The 1-based line ranges of the named resources in an indented JSON template."""
    starts = {
        i + 1: line.strip().split('"')[1]
        for i, line in enumerate(lines)
        if line.startswith('  "') and line.strip().endswith("{")
    }
    ordered = sorted(starts)
    ranges = []
    for index, start in enumerate(ordered):
        if starts[start] in ids:
            end = ordered[index + 1] - 1 if index + 1 < len(ordered) else len(lines)
            ranges.append((start, end))
    return ranges
