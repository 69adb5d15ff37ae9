"""The cdk-nag layer: a real run of the AwsSolutions pack through CDK's validation plugins;
pgplat's acknowledgements each say why, and those a construct recorded in the cloud assembly
reach the resources beneath it."""

from __future__ import annotations

import json
from pathlib import Path

from pgplat.policy.acknowledgements import ACKNOWLEDGEMENTS, Site
from pgplat.policy.assembly import Stack
from pgplat.policy.cdknag import PACKS, TemplateToCheck, _to_check, check_templates, plugin_id


def test_every_acknowledgement_names_a_rule_of_a_pack_and_says_why() -> None:
    for ack in ACKNOWLEDGEMENTS:
        assert ack.rule.startswith(("AwsSolutions-", "NIST.800.53.R5-", "HIPAA.Security-"))
        assert len(ack.reason.split()) >= 12, ack.rule
        assert ack.resource_type.startswith("AWS::")


def test_plugin_ids_carry_the_pack_name() -> None:
    assert plugin_id("AwsSolutions-RDS11") == "AwsSolutions::AwsSolutions-RDS11"
    assert plugin_id("NIST.800.53.R5-RDSInstancePublicAccess").startswith("NIST.800.53.R5::")
    assert set(PACKS) == {"aws-solutions", "nist-800-53-r5", "hipaa"}


def test_construct_acknowledgements_spread_to_the_resources_below() -> None:
    logical = {"type": "aws:cdk:logicalId"}
    stack = Stack(
        name="s",
        template_path=Path("s.template.json"),
        template={"Resources": {}},
        account="111111111111",
        region="us-east-1",
        environment="prod",
        metadata={
            "/s/Topic": [
                {
                    "type": "aws:cdk:acknowledged-rules",
                    "data": {"AwsSolutions::AwsSolutions-SNS3": "publishers are in-account"},
                }
            ],
            "/s/Topic/Resource": [{**logical, "data": "TopicABC"}],
            "/s/TopicPolicy/Resource": [{**logical, "data": "TopicPolicyDEF"}],
        },
    )
    checked = _to_check(stack)
    assert checked.acknowledged == {
        "TopicABC": {"AwsSolutions::AwsSolutions-SNS3": "publishers are in-account"}
    }
    assert checked.environment == "prod"


def test_wildcard_acknowledgements_name_each_finding_as_cdk_nag_does() -> None:
    (peering,) = [a for a in ACKNOWLEDGEMENTS if a.per_wildcard_resource]
    policy = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "ec2:AcceptVpcPeeringConnection",
                        "Resource": {
                            "Fn::Join": [
                                "",
                                [
                                    "arn:",
                                    {"Ref": "AWS::Partition"},
                                    ":ec2:eu-central-1:444444444444:vpc-peering-connection/*",
                                ],
                            ]
                        },
                    }
                ]
            }
        },
    }
    assert peering.rules_for(policy, "prod") == [
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:eu-central-1:444444444444"
        ":vpc-peering-connection/*]"
    ]
    other = {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": []}}}
    assert peering.rules_for(other, "prod") == []


def test_a_real_run_reports_violations_acknowledgements_and_unreadable_templates(
    tmp_path: Path,
) -> None:
    topics = tmp_path / "topics.template.json"
    topics.write_text(
        json.dumps(
            {
                "Resources": {
                    "Plain": {"Type": "AWS::SNS::Topic", "Properties": {}},
                    "Accepted": {"Type": "AWS::SNS::Topic", "Properties": {}},
                }
            }
        )
    )
    broken = tmp_path / "broken.template.json"
    broken.write_text(
        json.dumps(
            {"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"FifoTopic": "maybe"}}}}
        )
    )
    reason = "a topic of the test, its publishers are in the same account"
    result = check_templates(
        [
            TemplateToCheck(
                "topics",
                topics,
                "prod",
                {"Accepted": {"AwsSolutions::AwsSolutions-SNS3": reason}},
            ),
            TemplateToCheck("broken", broken, "prod"),
        ]
    )
    flagged = {(v.rule, v.logical_id) for v in result.violations}
    assert ("AwsSolutions-SNS3", "Plain") in flagged
    assert ("AwsSolutions-SNS3", "Accepted") not in flagged
    assert {v.stack for v in result.violations} == {"topics"}
    assert [(a.rule, a.logical_id, a.reason) for a in result.acknowledged] == [
        ("AwsSolutions-SNS3", "Accepted", reason)
    ]
    (unreadable,) = result.unreadable
    assert unreadable.stack == "broken"
    assert "maybe" in unreadable.error


def test_construct_acknowledgements_apply_below_their_construct_only() -> None:
    (drill,) = [
        a
        for a in ACKNOWLEDGEMENTS
        if a.construct == "RestoreValidation/DrillRole"
        and a.resource_type == "AWS::IAM::Policy"
        and a.rule.endswith(":snapshot:*]")
    ]
    policy = {"Type": "AWS::IAM::Policy", "Properties": {}}
    below = Site("RestoreValidation/DrillRole/DefaultPolicy/Resource", "eu-central-1", "4" * 12)
    assert drill.rules_for(policy, "prod", below) == [
        f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:eu-central-1:{'4' * 12}:snapshot:*]"
    ]
    beside = Site("RestoreValidation/DrillRoleCopy/Resource", "eu-central-1", "4" * 12)
    assert drill.rules_for(policy, "prod", beside) == []
    assert drill.rules_for(policy, "prod") == []
