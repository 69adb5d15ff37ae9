"""Regression (issue 20, found by the configuration generator): every valid RDS Multi-AZ DB
cluster failed the gate with PGP-011. Such a cluster offers no IAM database authentication
(CloudFormation refuses EnableIAMDatabaseAuthentication on it, and validation keeps its users on
``auth: secret``), so the rule does not apply to it; it still applies to every other shape."""

from __future__ import annotations

from datetime import date

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.policy.assembly import Assembly
from pgplat.policy.pack import run_rules
from pgplat.policy.rules import RULES
from tests.fixtures.policy import with_templates

PGP_011 = tuple(r for r in RULES if r.id == "PGP-011")


def test_a_multi_az_db_cluster_passes_pgp_011(
    multi_az_cluster_synth: Synthesis, multi_az_cluster_config: PgplatConfig
) -> None:
    config = multi_az_cluster_config
    assembly = Assembly.of_synthesis(multi_az_cluster_synth, config)
    assert run_rules(assembly, config, date.today(), PGP_011) == []


def test_an_rds_instance_without_iam_auth_still_fails_pgp_011(
    northwind_assembly: Assembly, northwind: PgplatConfig
) -> None:
    stacks = []
    for stack in northwind_assembly.stacks:
        template = dict(stack.template)
        resources = {k: dict(v) for k, v in template["Resources"].items()}
        for resource in resources.values():
            if resource["Type"] == "AWS::RDS::DBInstance":
                resource["Properties"] = {
                    **resource["Properties"],
                    "EnableIAMDatabaseAuthentication": False,
                }
        stacks.append((stack.name, {**template, "Resources": resources}))
    broken = with_templates(northwind_assembly, dict(stacks))
    assert [f.rule_id for f in run_rules(broken, northwind, date.today(), PGP_011)] == ["PGP-011"]
