"""The cost-optimised dev stack: same constructs, non-prod account, nothing shared with prod."""

from __future__ import annotations

import json

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from tests.infra.templates import only, props, resources


def test_dev_deploys_to_the_nonprod_account(innovate_synth: Synthesis) -> None:
    info = innovate_synth.stacks["innovate-dev-data"]
    assert (info.account, info.region, info.role) == ("333333333333", "us-east-1", "data")


def test_dev_is_small_single_az_and_disposable(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    template = innovate_synth.template("innovate-dev-data")
    instance = props(template, "AWS::RDS::DBInstance")
    assert instance["DBInstanceClass"] == "db.t4g.micro"
    assert instance["MultiAZ"] is False
    assert instance["AvailabilityZone"] == innovate.availability_zones[0]
    assert instance["StorageType"] == "gp3"
    assert instance["AllocatedStorage"] == "20"
    assert instance["BackupRetentionPeriod"] == 1
    assert instance["DeletionProtection"] is False
    assert only(template, "AWS::RDS::DBInstance")["DeletionPolicy"] == "Delete"
    assert instance["EngineVersion"].split(".")[0] == str(innovate.database.major)
    assert instance["PubliclyAccessible"] is False


def test_dev_has_its_own_network_key_and_secrets(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-dev-data")
    assert props(template, "AWS::EC2::VPC")["CidrBlock"] == "10.40.0.0/16"
    assert len(resources(template, "AWS::KMS::Key")) == 1
    assert props(template, "AWS::KMS::Alias")["AliasName"] == "alias/innovate-dev"
    names = [
        s["Properties"]["Name"] for s in resources(template, "AWS::SecretsManager::Secret").values()
    ]
    assert names == ["innovate/dev/users/reporting"]


def test_dev_reachable_only_from_the_dev_app_vpc(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-dev-data")
    groups = [
        g["Properties"]
        for g in resources(template, "AWS::EC2::SecurityGroup").values()
        if "5432 from the application VPCs" in g["Properties"]["GroupDescription"]
    ]
    (group,) = groups
    assert [r["CidrIp"] for r in group["SecurityGroupIngress"]] == ["10.50.0.0/16"]


def test_dev_template_never_mentions_prod(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    text = json.dumps(innovate_synth.template("innovate-dev-data"))
    prod = innovate.environments.prod.network
    for forbidden in (
        innovate.accounts.data,
        innovate.accounts.app,
        prod.vpc_cidr,
        *prod.app_cidrs,
        "innovate-prod",
        "innovate/prod",
    ):
        assert forbidden not in text
