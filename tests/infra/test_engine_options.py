"""Engine and storage options reach the templates (issue 26, item 4): the port everywhere a
connection passes, Database Insights, I/O-Optimized storage, and on an Aurora cluster built on
its own, the readers' class and promotion tiers."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.infra.database import DatabaseProps, PostgresDatabase
from pgplat.infra.encryption import DataKey
from pgplat.infra.network import IsolatedNetwork
from pgplat.infra.retention import log_retention
from pgplat.policy.assembly import Assembly
from pgplat.policy.chain import check_chain
from tests.fixtures.synth import ENGINE_OPTIONS
from tests.infra.templates import props, resources
from tests.infra.test_cfn_lint import lint_findings

PORT = ENGINE_OPTIONS["port"]


def test_the_variant_listens_on_its_port_and_only_that_port_is_open(
    multi_az_cluster_config: PgplatConfig, multi_az_cluster_synth: Synthesis
) -> None:
    template = multi_az_cluster_synth.template("northwind-prod-data")
    app_cidrs = set(multi_az_cluster_config.environments.prod.network.app_cidrs)
    assert props(template, "AWS::RDS::DBCluster")["Port"] == PORT
    assert template["Outputs"]["Port"]["Value"] == str(PORT)
    ingress = [
        rule
        for group in resources(template, "AWS::EC2::SecurityGroup").values()
        for rule in group["Properties"].get("SecurityGroupIngress", [])
        if rule.get("CidrIp") in app_cidrs
    ]
    assert ingress
    assert {(r["FromPort"], r["ToPort"]) for r in ingress} == {(PORT, PORT)}
    nacl_in = [
        e["Properties"]
        for e in resources(template, "AWS::EC2::NetworkAclEntry").values()
        if e["Properties"].get("CidrBlock") in app_cidrs and not e["Properties"].get("Egress")
    ]
    assert {json.dumps(e["PortRange"]) for e in nacl_in} == {json.dumps({"From": PORT, "To": PORT})}
    rotation = [
        rule
        for r in resources(template, "AWS::EC2::SecurityGroupEgress").values()
        for rule in [r["Properties"]]
        if "DestinationSecurityGroupId" in rule
    ]
    assert rotation
    assert all((r["FromPort"], r["ToPort"]) == (PORT, PORT) for r in rotation)


def test_database_insights_and_storage_type(
    innovate_synth: Synthesis, multi_az_cluster_synth: Synthesis, serverless_synth: Synthesis
) -> None:
    advanced = props(multi_az_cluster_synth.template("northwind-prod-data"), "AWS::RDS::DBCluster")
    assert advanced["DatabaseInsightsMode"] == "advanced"
    assert advanced["PerformanceInsightsRetentionPeriod"] == 465
    standard = props(innovate_synth.template("innovate-prod-data"), "AWS::RDS::DBCluster")
    assert standard["DatabaseInsightsMode"] == "standard"
    assert standard["StorageType"] == "aurora"
    dev = props(innovate_synth.template("innovate-dev-data"), "AWS::RDS::DBInstance")
    assert dev["DatabaseInsightsMode"] == "standard"
    optimized = props(serverless_synth.template("innovate-prod-data"), "AWS::RDS::DBCluster")
    assert optimized["StorageType"] == "aurora-iopt1"


def _aurora_alone(config: PgplatConfig, outdir: Path) -> Path:
    """The template file of ``config``'s prod database in a stack of its own (no full
    synthesis: under a second)."""
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Db", env=cdk.Environment(account="111111111111", region="us-east-1"))
    settings = config.environments.prod
    key = DataKey(stack, "Key", alias="alias/test", existing_key_arn=None).key
    zones = config.availability_zones
    network = IsolatedNetwork(
        stack,
        "Network",
        name="test",
        cidr=settings.network.vpc_cidr,
        availability_zones=zones,
        client_cidrs=settings.network.app_cidrs,
        port=settings.port,
        key=key,
        flow_log_retention=log_retention(30),
    )
    windows = config.maintenance.windows
    PostgresDatabase(
        stack,
        "Database",
        props=DatabaseProps(
            identifier="test-prod",
            settings=settings,
            engine_version=config.engine_version("prod"),
            database_name="app",
            parameters={},
            backup_window=windows.backup,
            maintenance_window=windows.maintenance,
            auto_minor_version_upgrade=True,
            availability_zones=zones,
        ),
        network=network,
        key=key,
    )
    path = outdir / "Db.template.json"
    path.write_text(json.dumps(Template.from_stack(stack).to_json()))
    return path


@pytest.fixture(scope="module")
def provisioned(innovate: PgplatConfig, tmp_path_factory: pytest.TempPathFactory) -> Path:
    prod = innovate.environments.prod.model_copy(
        update={
            "reader_instance_class": "db.r6g.xlarge",
            "promotion_tiers": [1, 15],
            "aurora_storage_type": "aurora-iopt1",
            "port": 6543,
            "master_username": "dba",
        }
    )
    config = innovate.model_copy(
        update={"environments": innovate.environments.model_copy(update={"prod": prod})}
    )
    return _aurora_alone(config, tmp_path_factory.mktemp("aurora-alone"))


def test_readers_get_their_class_and_tiers_and_the_writer_keeps_its_own(provisioned: Path) -> None:
    template = json.loads(provisioned.read_text())
    instances = {
        p["DBInstanceIdentifier"]: p
        for p in (r["Properties"] for r in resources(template, "AWS::RDS::DBInstance").values())
    }
    assert instances["test-prod-writer"]["DBInstanceClass"] == "db.r6g.large"
    assert instances["test-prod-reader-1"]["DBInstanceClass"] == "db.r6g.xlarge"
    assert instances["test-prod-reader-2"]["DBInstanceClass"] == "db.r6g.xlarge"
    assert instances["test-prod-reader-1"]["PromotionTier"] == 1
    assert instances["test-prod-reader-2"]["PromotionTier"] == 15
    cluster = props(template, "AWS::RDS::DBCluster")
    assert (cluster["StorageType"], cluster["Port"], cluster["MasterUsername"]) == (
        "aurora-iopt1",
        6543,
        "dba",
    )


def test_the_cluster_on_its_own_is_lint_clean(
    provisioned: Path, request: pytest.FixtureRequest
) -> None:
    assert lint_findings("Db", provisioned, "us-east-1", request.config.cache) == []


def test_the_chain_check_follows_the_configured_port(
    multi_az_cluster_config: PgplatConfig, multi_az_cluster_synth: Synthesis
) -> None:
    """The variant passes the network links on its own port; read against a configuration
    that says 5432, its security group and NACL are reported (CHAIN-009, CHAIN-010)."""
    assembly = Assembly.of_synthesis(multi_az_cluster_synth, multi_az_cluster_config)
    network_rules = {"CHAIN-009", "CHAIN-010"}
    found = {f.rule_id for f in check_chain(assembly, multi_az_cluster_config)}
    assert not found & network_rules
    envs = multi_az_cluster_config.environments
    elsewhere = multi_az_cluster_config.model_copy(
        update={
            "environments": envs.model_copy(
                update={"prod": envs.prod.model_copy(update={"port": 5432})}
            )
        }
    )
    assert {f.rule_id for f in check_chain(assembly, elsewhere)} >= network_rules
