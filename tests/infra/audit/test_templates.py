"""The database and AWS halves of traceability in the synthesized templates: pgaudit and the
connection log in the parameter groups, the PostgreSQL log exported where `pgplat audit
connections` reads it, and the data account's CloudTrail trail, key and buckets."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from pgplat.audit.connections import log_group_name
from pgplat.config.model import Audit, PgplatConfig
from pgplat.infra.app import EnvironmentApp, Synthesis
from pgplat.infra.trail import TrailStack, build_trail_stack
from pgplat.naming import database_identifier
from pgplat.policy.lint import lint_template
from tests.infra.templates import props, resources

PARAMETER_GROUPS = [
    ("innovate_synth", "innovate-prod-data", "AWS::RDS::DBClusterParameterGroup"),
    ("innovate_synth", "innovate-dev-data", "AWS::RDS::DBParameterGroup"),
    ("northwind_synth", "northwind-prod-data", "AWS::RDS::DBParameterGroup"),
]


@pytest.mark.parametrize(("fixture", "stack", "group_type"), PARAMETER_GROUPS)
def test_parameter_groups_load_pgaudit_and_log_every_connection(
    fixture: str, stack: str, group_type: str, request: pytest.FixtureRequest
) -> None:
    template = request.getfixturevalue(fixture).template(stack)
    parameters = props(template, group_type)["Parameters"]
    assert parameters["shared_preload_libraries"].split(",") == ["pg_stat_statements", "pgaudit"]
    assert parameters["pgaudit.log"] == "ddl,role"
    assert parameters["pgaudit.role"] == "rds_pgaudit"
    assert parameters["pgaudit.log_parameter"] == "0"  # bound values may be secrets
    assert parameters["pgaudit.log_catalog"] == "0"
    assert parameters["log_connections"] == "1"
    assert parameters["log_disconnections"] == "1"
    assert "log_line_prefix" not in parameters  # RDS fixes it to %t:%r:%u@%d:[%p]:


@pytest.mark.parametrize(
    ("fixture", "env", "exporter"),
    [
        ("innovate_synth", "prod", "AWS::RDS::DBCluster"),
        ("innovate_synth", "dev", "AWS::RDS::DBInstance"),
        ("northwind_synth", "prod", "AWS::RDS::DBInstance"),
    ],
)
def test_postgres_log_goes_to_the_encrypted_group_audit_connections_reads(
    fixture: str, env: str, exporter: str, request: pytest.FixtureRequest
) -> None:
    synthesis: Synthesis = request.getfixturevalue(fixture)
    config: PgplatConfig = request.getfixturevalue(fixture.removesuffix("_synth"))
    settings = config.environments.cloud()[env]
    template = synthesis.template(f"{config.name}-{env}-data")
    exports = [
        r["Properties"]["EnableCloudwatchLogsExports"]
        for r in resources(template, exporter).values()
        if "EnableCloudwatchLogsExports" in r["Properties"]
    ]
    assert exports
    assert all("postgresql" in e for e in exports)
    group = next(
        r["Properties"]
        for r in resources(template, "AWS::Logs::LogGroup").values()
        if str(r["Properties"].get("LogGroupName", "")).endswith("/postgresql")
    )
    assert group["LogGroupName"] == log_group_name(
        settings.flavor, database_identifier(config, env)
    )
    assert group["RetentionInDays"] == settings.monitoring.log_retention_days
    assert group["KmsKeyId"]


def _trail_stacks(synthesis: Synthesis) -> list[str]:
    return sorted(name for name in synthesis.stacks if name.endswith("-trail"))


def test_only_production_gets_a_trail_in_its_data_account(
    innovate_synth: Synthesis, northwind_synth: Synthesis, innovate: PgplatConfig
) -> None:
    assert _trail_stacks(innovate_synth) == ["innovate-prod-trail"]
    assert _trail_stacks(northwind_synth) == ["northwind-prod-trail"]
    info = innovate_synth.stacks["innovate-prod-trail"]
    assert (info.role, info.account, info.env) == ("data", innovate.accounts.data, "prod")


@pytest.fixture(scope="module")
def trail(innovate_synth: Synthesis) -> Template:
    return Template.from_json(innovate_synth.template("innovate-prod-trail"))


def _logical_id(template: Template, resource_type: str, **properties: Any) -> str:
    found = template.find_resources(resource_type, {"Properties": Match.object_like(properties)})
    assert len(found) == 1, f"expected one {resource_type} like {properties}, found {len(found)}"
    return next(iter(found))


def test_trail_is_multi_region_validated_and_encrypted_with_its_own_key(trail: Template) -> None:
    key = _logical_id(trail, "AWS::KMS::Key", EnableKeyRotation=True)
    bucket = _logical_id(trail, "AWS::S3::Bucket", LoggingConfiguration=Match.any_value())
    trail.has_resource_properties(
        "AWS::CloudTrail::Trail",
        {
            "TrailName": "innovate-prod-audit",
            "IsLogging": True,
            "IsMultiRegionTrail": True,
            "IncludeGlobalServiceEvents": True,
            "EnableLogFileValidation": True,
            "KMSKeyId": {"Fn::GetAtt": [key, "Arn"]},
            "S3BucketName": {"Ref": bucket},
        },
    )


def test_trail_key_lets_cloudtrail_encrypt_only_this_trail(
    trail: Template, innovate: PgplatConfig
) -> None:
    policy = next(iter(trail.find_resources("AWS::KMS::Key").values()))["Properties"]["KeyPolicy"]
    statements = {s["Sid"]: s for s in policy["Statement"]}
    encrypt = statements["CloudTrailEncryptsLogFiles"]
    assert encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    trail_arn = encrypt["Condition"]["StringEquals"]["aws:SourceArn"]["Fn::Join"][1]
    assert (
        trail_arn[-1]
        == f":cloudtrail:{innovate.region}:{innovate.accounts.data}:trail/innovate-prod-audit"
    )
    assert "kms:EncryptionContext:aws:cloudtrail:arn" in encrypt["Condition"]["StringLike"]
    read = statements["AccountReadsLogFiles"]
    assert set(read["Action"]) == {"kms:Decrypt", "kms:ReEncryptFrom"}
    assert "kms:EncryptionContext:aws:cloudtrail:arn" in read["Condition"]["StringLike"]
    actions = [a for s in policy["Statement"] for a in _listed(s["Action"])]
    assert "kms:*" not in actions


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("logged", [True, False], ids=["trail-bucket", "access-log-bucket"])
def test_buckets_are_private_versioned_encrypted_and_expire(
    trail: Template, innovate: PgplatConfig, logged: bool
) -> None:
    bucket_id = _logical_id(
        trail,
        "AWS::S3::Bucket",
        LoggingConfiguration=Match.any_value() if logged else Match.absent(),
    )
    bucket = trail.to_json()["Resources"][bucket_id]
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert bucket["DeletionPolicy"] == "Retain"
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    algorithm = encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
    assert algorithm == ("aws:kms" if logged else "AES256")  # access logs only take SSE-S3
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == innovate.audit.trail_retention_days
    assert rule["Transitions"] == [{"StorageClass": "GLACIER_IR", "TransitionInDays": 90}]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    trail.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket_id},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            },
        },
    )


def test_trail_bucket_logs_its_access(trail: Template) -> None:
    access_log = _logical_id(trail, "AWS::S3::Bucket", LoggingConfiguration=Match.absent())
    trail.has_resource_properties(
        "AWS::S3::Bucket",
        {"LoggingConfiguration": {"DestinationBucketName": {"Ref": access_log}}},
    )


def _trail_of(config: PgplatConfig, env_name: str) -> EnvironmentApp:
    env = EnvironmentApp(app=cdk.App(), config=config, env_name=env_name)
    build_trail_stack(env)
    return env


def test_an_organisation_trail_replaces_ours(innovate: PgplatConfig) -> None:
    assert list(_trail_of(innovate, "prod").roles) == ["innovate-prod-trail"]
    assert _trail_of(innovate, "dev").roles == {}
    org = innovate.model_copy(update={"audit": Audit(organization_trail=True)})
    assert _trail_of(org, "prod").roles == {}


def test_retention_comes_from_the_config() -> None:
    app = cdk.App()
    stack = TrailStack(app, "t", prefix="x-prod", audit=Audit(trail_retention_days=2557))
    rules = [
        r["Properties"]["LifecycleConfiguration"]["Rules"][0]
        for r in Template.from_stack(stack).find_resources("AWS::S3::Bucket").values()
    ]
    assert [r["ExpirationInDays"] for r in rules] == [2557, 2557]


def test_trail_stacks_are_cfn_lint_clean(
    innovate_synth: Synthesis, northwind_synth: Synthesis
) -> None:
    findings = [
        str(finding)
        for synthesis in (innovate_synth, northwind_synth)
        for name in _trail_stacks(synthesis)
        for finding in lint_template(
            name, synthesis.stacks[name].template_path, synthesis.stacks[name].region
        )
    ]
    assert findings == []


def test_audit_settings_are_validated() -> None:
    assert Audit().pgaudit_classes == ["ddl", "role"]
    assert Audit().organization_trail is False
    with pytest.raises(ValueError, match="listed once"):
        Audit(pgaudit_classes=["ddl", "ddl"])
    with pytest.raises(ValueError, match="greater than or equal to 180"):
        Audit(trail_retention_days=30)
    with pytest.raises(ValueError, match="Input should be 'ddl'"):
        Audit.model_validate({"pgaudit_classes": ["everything"]})
