"""Acknowledgements: pgplat's own list has a reason for each entry, and acknowledgements a
construct recorded in the cloud assembly reach the resources beneath it."""

from __future__ import annotations

from pathlib import Path

from pgplat.infra.nag import ACKNOWLEDGEMENTS, PACKS, plugin_id
from pgplat.policy.assembly import Stack
from pgplat.policy.cdknag import _to_check


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
