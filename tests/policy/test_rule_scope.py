"""Where rules apply and where they do not: environments, Aurora members versus RDS
instances, cross-stack references, the configured key, tags on untaggable types."""

from __future__ import annotations

from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.policy.rules import RULES
from pgplat.policy.rules.base import Compliance
from tests.policy.baseline import baseline, mutated
from tests.policy.templates import KEY, context, stack

BY_ID = {rule.id: rule for rule in RULES}
PROPS = "Properties"


def answer(
    rule_id: str, resources: dict[str, Any], target: str, config: PgplatConfig, env: str = "prod"
) -> Compliance:
    test_stack = stack(resources, environment=env)
    resource = test_stack.resource(target)
    assert resource is not None
    return BY_ID[rule_id].check(resource, context(config, test_stack)).compliance


@pytest.mark.parametrize("rule_id", ["PGP-012", "PGP-013", "PGP-014", "PGP-015"])
def test_production_only_rules_leave_dev_alone(rule_id: str, innovate: PgplatConfig) -> None:
    weak = mutated(baseline(innovate), ("Cluster", PROPS, "BackupRetentionPeriod"), 1)
    weak = mutated(weak, ("Cluster", PROPS, "DeletionProtection"), False)
    weak = mutated(weak, ("Cluster", "DeletionPolicy"), "Delete")
    del weak["Reader"]
    assert answer(rule_id, weak, "Cluster", innovate, env="dev") is Compliance.NOT_APPLICABLE
    assert answer(rule_id, weak, "Cluster", innovate) is Compliance.NON_COMPLIANT


@pytest.mark.parametrize("rule_id", ["PGP-003", "PGP-010", "PGP-011", "PGP-018", "PGP-026"])
def test_cluster_members_defer_to_their_cluster(rule_id: str, innovate: PgplatConfig) -> None:
    assert answer(rule_id, baseline(innovate), "Writer", innovate) is Compliance.NOT_APPLICABLE


def _rds_instance(innovate: PgplatConfig, **overrides: Any) -> dict[str, Any]:
    resources = baseline(innovate)
    cluster = resources.pop("Cluster")
    for name in ("Writer", "Reader"):
        resources.pop(name)
    props = {k: v for k, v in cluster[PROPS].items() if k != "DBClusterParameterGroupName"}
    props.update({"Engine": "postgres", "MultiAZ": True, **overrides})
    resources["Db"] = {"Type": "AWS::RDS::DBInstance", PROPS: props}
    return resources


def test_rds_instance_needs_multi_az(innovate: PgplatConfig) -> None:
    assert answer("PGP-015", _rds_instance(innovate), "Db", innovate) is Compliance.COMPLIANT
    single = _rds_instance(innovate, MultiAZ=False)
    assert answer("PGP-015", single, "Db", innovate) is Compliance.NON_COMPLIANT


def test_rds_instance_alarms_on_free_storage_space(innovate: PgplatConfig) -> None:
    resources = _rds_instance(innovate)
    assert answer("PGP-019", resources, "Db", innovate) is Compliance.NON_COMPLIANT
    resources["AlarmFreeStorageSpace"] = {
        "Type": "AWS::CloudWatch::Alarm",
        PROPS: {"MetricName": "FreeStorageSpace", "AlarmActions": [{"Ref": "Topic"}]},
    }
    assert answer("PGP-019", resources, "Db", innovate) is Compliance.COMPLIANT


def test_rds_instance_without_parameter_group_is_not_tls_enforced(innovate: PgplatConfig) -> None:
    assert answer("PGP-010", _rds_instance(innovate), "Db", innovate) is Compliance.NON_COMPLIANT


def test_key_exported_by_another_stack_counts(innovate: PgplatConfig) -> None:
    """The backup-copy vault lives in its own stack and imports the key's ARN."""
    key_stack = stack(
        {"Key": KEY},
        name="test-prod-keys",
        outputs={
            "KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}, "Export": {"Name": "keys:KeyArn"}}
        },
    )
    vault_stack = stack(
        {
            "Vault": {
                "Type": "AWS::Backup::BackupVault",
                PROPS: {"EncryptionKeyArn": {"Fn::ImportValue": "keys:KeyArn"}},
            }
        },
        name="test-prod-copy",
    )
    vault = vault_stack.resource("Vault")
    assert vault is not None
    verdict = BY_ID["PGP-008"].check(vault, context(innovate, vault_stack, key_stack))
    assert verdict.compliance is Compliance.COMPLIANT


def test_the_configured_existing_key_counts(northwind: PgplatConfig) -> None:
    configured = northwind.environments.prod.kms_key_arn
    topic = {"Topic": {"Type": "AWS::SNS::Topic", PROPS: {"KmsMasterKeyId": configured}}}
    assert answer("PGP-007", topic, "Topic", northwind) is Compliance.COMPLIANT


def test_security_groups_of_other_things_are_not_judged(innovate: PgplatConfig) -> None:
    resources = mutated(
        baseline(innovate),
        ("EndpointSg",),
        {
            "Type": "AWS::EC2::SecurityGroup",
            PROPS: {
                "SecurityGroupIngress": [
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.20.0.0/16"}
                ]
            },
        },
    )
    assert answer("PGP-023", resources, "EndpointSg", innovate) is Compliance.NOT_APPLICABLE


def test_database_ingress_rule_resources_are_judged(innovate: PgplatConfig) -> None:
    def ingress(**rule: Any) -> dict[str, Any]:
        props = {"GroupId": {"Fn::GetAtt": ["DbSg", "GroupId"]}, "IpProtocol": "tcp", **rule}
        return {"Type": "AWS::EC2::SecurityGroupIngress", PROPS: props}

    resources = baseline(innovate)
    resources["FromRotation"] = ingress(
        FromPort=5432, ToPort=5432, SourceSecurityGroupId={"Ref": "RotationSg"}
    )
    resources["AllPorts"] = ingress(FromPort=0, ToPort=65535, CidrIp="10.10.0.0/16")
    assert answer("PGP-023", resources, "FromRotation", innovate) is Compliance.COMPLIANT
    assert answer("PGP-023", resources, "AllPorts", innovate) is Compliance.NON_COMPLIANT


def test_untaggable_types_need_no_tags(innovate: PgplatConfig) -> None:
    assert answer("PGP-027", baseline(innovate), "ToApps", innovate) is Compliance.NOT_APPLICABLE


def test_unsupported_engine_major_is_flagged(innovate: PgplatConfig) -> None:
    resources = mutated(baseline(innovate), ("Cluster", PROPS, "EngineVersion"), "11.22")
    assert answer("PGP-022", resources, "Cluster", innovate) is Compliance.NON_COMPLIANT


@pytest.mark.parametrize(
    "choice", ["open-source-rds-extended-support", "open-source-rds-extended-support-disabled"]
)
def test_a_major_past_support_passes_once_the_lifecycle_is_chosen(
    innovate: PgplatConfig, choice: str
) -> None:
    resources = mutated(baseline(innovate), ("Cluster", PROPS, "EngineVersion"), "13.20")
    chosen = mutated(resources, ("Cluster", PROPS, "EngineLifecycleSupport"), choice)
    assert answer("PGP-022", resources, "Cluster", innovate) is Compliance.NON_COMPLIANT
    assert answer("PGP-022", chosen, "Cluster", innovate) is Compliance.COMPLIANT
