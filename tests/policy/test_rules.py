"""Every rule of the pack, on a compliant template and on one broken in exactly one place."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.policy.rules import RULES
from pgplat.policy.rules.base import Compliance, Rule
from tests.policy.baseline import DAILY, DELETE, baseline, mutated
from tests.policy.templates import context, stack

PROPS = "Properties"


@dataclass(frozen=True)
class Case:
    """Where a rule looks (``target``) and the one change that breaks it."""

    target: str
    path: tuple[str, ...]
    value: Any
    detail: str


def _open(principal: Any, action: str) -> dict[str, Any]:
    """A resource policy that lets ``principal`` call ``action`` with no condition."""
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}
    return {"Statement": [statement]}


CASES: dict[str, Case] = {
    "PGP-001": Case("Writer", ("Writer", PROPS, "PubliclyAccessible"), True, "PubliclyAccessible"),
    "PGP-002": Case(
        "SubnetGroup",
        ("ToInternet",),
        {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "RouteTableId": {"Ref": "RouteTable"},
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": "igw-0123456789abcdef0",
            },
        },
        "internet gateway",
    ),
    "PGP-003": Case("Cluster", ("Cluster", PROPS, "KmsKeyId"), DELETE, "AWS-managed key"),
    "PGP-004": Case(
        "Writer",
        ("Writer", PROPS, "PerformanceInsightsKMSKeyId"),
        "arn:aws:kms:us-east-1:111111111111:alias/aws/rds",
        "AWS-managed key",
    ),
    "PGP-005": Case("Secret", ("Secret", PROPS, "KmsKeyId"), DELETE, "AWS-managed key"),
    "PGP-006": Case("Logs", ("Key", PROPS, "EnableKeyRotation"), False, "no rotation"),
    "PGP-007": Case("Topic", ("Topic", PROPS, "KmsMasterKeyId"), DELETE, "AWS-managed key"),
    "PGP-008": Case(
        "Vault",
        ("Vault", PROPS, "EncryptionKeyArn"),
        "arn:aws:kms:us-east-1:999999999999:key/other",
        "neither our key",
    ),
    "PGP-009": Case("Key", ("Key", PROPS, "EnableKeyRotation"), False, "EnableKeyRotation"),
    "PGP-010": Case("Cluster", ("Params", PROPS, "Parameters", "rds.force_ssl"), "0", "'0'"),
    "PGP-011": Case(
        "Cluster", ("Cluster", PROPS, "EnableIAMDatabaseAuthentication"), DELETE, "IAM"
    ),
    "PGP-012": Case("Cluster", ("Cluster", PROPS, "BackupRetentionPeriod"), 3, "3 day(s)"),
    "PGP-013": Case("Cluster", ("Cluster", PROPS, "DeletionProtection"), False, "Deletion"),
    "PGP-014": Case("Cluster", ("Cluster", "DeletionPolicy"), "Delete", "DeletionPolicy"),
    "PGP-015": Case("Cluster", ("Reader",), DELETE, "no reader"),
    "PGP-016": Case("Reader", ("Reader", PROPS, "MonitoringInterval"), 0, "MonitoringInterval"),
    "PGP-017": Case(
        "Reader", ("Reader", PROPS, "EnablePerformanceInsights"), DELETE, "Performance Insights"
    ),
    "PGP-018": Case("Cluster", ("Cluster", PROPS, "EnableCloudwatchLogsExports"), [], "postgresql"),
    "PGP-019": Case(
        "Cluster", ("AlarmDeadlocks", PROPS, "AlarmActions"), [], "action on Deadlocks"
    ),
    "PGP-020": Case(
        "Cluster",
        ("Cluster", PROPS, "PreferredMaintenanceWindow"),
        "mon:14:00-mon:15:00",
        "PreferredMaintenanceWindow",
    ),
    "PGP-021": Case("Writer", ("Writer", PROPS, "AutoMinorVersionUpgrade"), False, "policy says"),
    "PGP-022": Case("Cluster", ("Cluster", PROPS, "EngineVersion"), "13.20", "ended 2026-02-28"),
    "PGP-023": Case(
        "DbSg",
        ("DbSg", PROPS, "SecurityGroupIngress"),
        [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "0.0.0.0/0"}],
        "0.0.0.0/0",
    ),
    "PGP-024": Case(
        "DataRole",
        ("DataRole", PROPS, "Policies"),
        [
            {
                "PolicyName": "connect",
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["rds-db:*"],
                            "Resource": "arn:aws:rds-db:us-east-1:111111111111:dbuser:*/*",
                        }
                    ]
                },
            }
        ],
        "dbuser:*/*",
    ),
    "PGP-025": Case("Secret", ("Rotation",), DELETE, "no rotation schedule"),
    "PGP-026": Case("Cluster", ("Cluster", PROPS, "CopyTagsToSnapshot"), DELETE, "CopyTags"),
    "PGP-027": Case(  # the required tags without pgplat's own environment tag
        "Cluster",
        ("Cluster", PROPS, "Tags"),
        [{"Key": "owner", "Value": "x"}, {"Key": "cost-center", "Value": "y"}],
        "missing tag(s) environment",
    ),
    "PGP-028": Case(
        "Key", ("Key", PROPS, "KeyPolicy"), _open({"AWS": "*"}, "kms:*"), '{"AWS": "*"}'
    ),
    "PGP-029": Case(
        "SecretPolicy",
        ("SecretPolicy", PROPS, "ResourcePolicy"),
        _open("*", "secretsmanager:GetSecretValue"),
        "secretsmanager:GetSecretValue",
    ),
    "PGP-030": Case(
        "TrailBucketPolicy",
        ("TrailBucketPolicy", PROPS, "PolicyDocument"),
        _open("*", "s3:GetObject"),
        "anyone",
    ),
    "PGP-031": Case(
        "TopicPolicy",
        ("TopicPolicy", PROPS, "PolicyDocument"),
        _open({"AWS": "arn:aws:iam::999999999999:root"}, "sns:Subscribe"),
        "999999999999",
    ),
    "PGP-032": Case("Vault", ("Vault", PROPS, "AccessPolicy"), _open("*", "backup:*"), "anyone"),
    "PGP-034": Case("AlarmDeadlocks", ("OnCall",), DELETE, "Topic, which has no subscription"),
    "PGP-035": Case(
        "Plan",
        ("Plan", PROPS, "BackupPlan", "BackupPlanRule"),
        [DAILY | {"Lifecycle": {"DeleteAfterDays": 1}}],
        "1 days, below the lock's minimum of 7 (vault test-prod)",
    ),
    "PGP-033": Case(
        "Permission",
        ("Permission", PROPS),
        {"Action": "lambda:InvokeFunction", "FunctionName": "validator", "Principal": "*"},
        "anyone",
    ),
}


def _answer(rule: Rule, resources: dict[str, Any], target: str, config: PgplatConfig) -> Any:
    test_stack = stack(resources)
    resource = test_stack.resource(target)
    assert resource is not None
    return rule.check(resource, context(config, test_stack))


def test_every_rule_has_a_case_and_complete_metadata() -> None:
    assert sorted(CASES) == sorted(r.id for r in RULES)
    assert len({r.id for r in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.rationale, rule.id
        assert rule.enforces, rule.id
        assert rule.fix, rule.id
        module = sys.modules[rule.check.__module__]
        assert module.__name__.rsplit(".", 1)[1] == rule.name, "one module per rule, same name"
        assert module.__doc__, f"{rule.name} states its compliant state"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_compliant_template(rule: Rule, innovate: PgplatConfig) -> None:
    answer = _answer(rule, baseline(innovate), CASES[rule.id].target, innovate)
    assert answer.compliance is Compliance.COMPLIANT, answer.detail


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_violating_template(rule: Rule, innovate: PgplatConfig) -> None:
    case = CASES[rule.id]
    resources = mutated(baseline(innovate), case.path, case.value)
    answer = _answer(rule, resources, case.target, innovate)
    assert answer.compliance is Compliance.NON_COMPLIANT
    assert case.detail in answer.detail
