"""Mutation tests: each injects one real crossing into the innovate synthesis, its
configuration, a non-prod file or the guardrails, and the proof must name exactly that
crossing (rule, stack, logical id) and nothing else."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.guardrails import Guardrails, build_guardrails
from pgplat.guardrails.scp import NONPROD_SCP, PROD_DATA_SCP
from pgplat.policy.assembly import Assembly, Stack
from pgplat.policy.findings import Finding
from pgplat.policy.isolation import prove_isolation
from tests.fixtures.isolation import EditConfig
from tests.fixtures.policy import with_templates

DATA, APP, DEV = "111111111111", "222222222222", "333333333333"
PROD_KEY = f"arn:aws:kms:us-east-1:{DATA}:key/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
Template = dict[str, Any]


@dataclass(frozen=True)
class Edited:
    """A synthesis whose templates may be edited without touching the session's copy."""

    base: Assembly
    templates: dict[str, Template]

    @property
    def stacks(self) -> Mapping[str, Stack]:
        return {s.name: s for s in self.base.stacks}

    @property
    def assembly(self) -> Assembly:
        """The synthesis with the edited templates."""
        return with_templates(self.base, self.templates)

    def stack(self, env: str, role: str = "data") -> str:
        """The environment's stack of an account role; for "data", the one holding the database."""
        for name, template in self.templates.items():
            types = {r["Type"] for r in template["Resources"].values()}
            holds_database = bool(types & {"AWS::RDS::DBCluster", "AWS::RDS::DBInstance"})
            info = self.stacks[name]
            if info.environment == env and info.role == role and (role == "app" or holds_database):
                return name
        raise AssertionError(f"no {role} stack for {env}")

    def first(self, env: str, resource_type: str, role: str = "data") -> tuple[str, dict[str, Any]]:
        """(logical id, properties) of the first resource of a type in the env's stack."""
        for logical_id, resource in self.templates[self.stack(env, role)]["Resources"].items():
            if resource["Type"] == resource_type:
                return logical_id, resource["Properties"]
        raise AssertionError(f"no {resource_type} in {env} {role}")

    def add(
        self, env: str, logical_id: str, resource_type: str, properties: dict[str, Any]
    ) -> None:
        resources = self.templates[self.stack(env)]["Resources"]
        resources[logical_id] = {"Type": resource_type, "Properties": properties}


@pytest.fixture
def edited(innovate_assembly: Assembly) -> Edited:
    templates = {s.name: dict(s.template) for s in innovate_assembly.stacks}
    return Edited(innovate_assembly, copy.deepcopy(templates))


def located(findings: list[Finding]) -> list[tuple[str, str | None, str | None]]:
    return [(f.rule_id, f.stack, f.logical_id) for f in findings]


def only(
    findings: list[Finding], rule_id: str, stack: str | None, logical_id: str | None
) -> Finding:
    """The one finding there is, after checking it is the expected one."""
    assert located(findings) == [(rule_id, stack, logical_id)], [f.message for f in findings]
    return findings[0]


def allow(principal: str) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }


# --- production templates -------------------------------------------------------------------

Mutation = Callable[[Edited], tuple[str, str, str, str]]
"""Edits the synthesis; returns (rule id, stack, logical id, words the message must contain)."""


def dev_account_in_prod_key_policy(s: Edited) -> tuple[str, str, str, str]:
    key_id, key = s.first("prod", "AWS::KMS::Key")
    key["KeyPolicy"]["Statement"].append(allow(f"arn:aws:iam::{DEV}:root"))
    return "ISO-001", s.stack("prod"), key_id, f"non-prod account {DEV} in AWS::KMS::Key"


def dev_principal_in_prod_trust_policy(s: Edited) -> tuple[str, str, str, str]:
    role_id, role = s.first("prod", "AWS::IAM::Role")
    role["AssumeRolePolicyDocument"]["Statement"].append(
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {
                "AWS": {
                    "Fn::Join": [
                        "",
                        ["arn:", {"Ref": "AWS::Partition"}, f":iam::{DEV}:role/dev-ci"],
                    ]
                }
            },
        }
    )
    return "ISO-001", s.stack("prod"), role_id, "AssumeRolePolicyDocument"


def prod_transit_gateway_shared_with_dev(s: Edited) -> tuple[str, str, str, str]:
    s.add("prod", "ShareWithDev", "AWS::RAM::ResourceShare", {"Name": "tgw", "Principals": [DEV]})
    return "ISO-001", s.stack("prod"), "ShareWithDev", "in AWS::RAM::ResourceShare"


def prod_backups_copied_to_dev(s: Edited) -> tuple[str, str, str, str]:
    plan_id, plan = s.first("prod", "AWS::Backup::BackupPlan")
    rule = plan["BackupPlan"]["BackupPlanRule"][0]
    rule["CopyActions"] = [
        {"DestinationBackupVaultArn": f"arn:aws:backup:us-east-1:{DEV}:backup-vault:dev-seed"}
    ]
    return "ISO-004", s.stack("prod"), plan_id, f"backup copies to a vault in account {DEV}"


def prod_backups_copied_to_another_bunker_vault(s: Edited) -> tuple[str, str, str, str]:
    """The bunker account is allowed its one configured vault, not any vault of its own."""
    plan_id, plan = s.first("prod", "AWS::Backup::BackupPlan")
    rule = plan["BackupPlan"]["BackupPlanRule"][0]
    rule["CopyActions"].append(
        {"DestinationBackupVaultArn": "arn:aws:backup:us-east-1:444444444444:backup-vault:other"}
    )
    return "ISO-004", s.stack("prod"), plan_id, "backup copies to a vault in account 444444444444"


def prod_cluster_snapshot_shared(s: Edited) -> tuple[str, str, str, str]:
    call = {
        "service": "RDS",
        "action": "modifyDBClusterSnapshotAttribute",
        "parameters": {
            "DBClusterSnapshotIdentifier": "nightly",
            "AttributeName": "restore",
            "ValuesToAdd": ["123456789012"],
        },
    }
    s.add("prod", "ShareSnapshot", "Custom::AWS", {"Create": json.dumps(call)})
    return "ISO-004", s.stack("prod"), "ShareSnapshot", "a call that shares a snapshot"


def prod_role_may_share_snapshots(s: Edited) -> tuple[str, str, str, str]:
    s.add(
        "prod",
        "SnapshotSharing",
        "AWS::IAM::Policy",
        {
            "PolicyName": "share",
            "PolicyDocument": {
                "Statement": [{"Effect": "Allow", "Action": "rds:Modify*", "Resource": "*"}]
            },
        },
    )
    return (
        "ISO-004",
        s.stack("prod"),
        "SnapshotSharing",
        "permission to rds:ModifyDBSnapshotAttribute",
    )


def prod_database_admits_dev_app_vpc(s: Edited) -> tuple[str, str, str, str]:
    sg_id, sg = next(
        (lid, r["Properties"])
        for lid, r in s.templates[s.stack("prod")]["Resources"].items()
        if r["Type"] == "AWS::EC2::SecurityGroup" and "5432" in json.dumps(r["Properties"])
    )
    sg["SecurityGroupIngress"].append(
        {"CidrIp": "10.50.0.0/16", "FromPort": 5432, "ToPort": 5432, "IpProtocol": "tcp"}
    )
    return "ISO-002", s.stack("prod"), sg_id, "10.50.0.0/16 overlaps the dev app VPC 10.50.0.0/16"


def prod_database_admits_all_of_ten(s: Edited) -> tuple[str, str, str, str]:
    s.add(
        "prod",
        "WideIngress",
        "AWS::EC2::SecurityGroupIngress",
        {
            "CidrIp": "10.0.0.0/8",
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "GroupId": "sg-1",
        },
    )
    return "ISO-002", s.stack("prod"), "WideIngress", "10.0.0.0/8 overlaps the dev data VPC"


def prod_nacl_allows_dev_vpc(s: Edited) -> tuple[str, str, str, str]:
    entry = {
        "CidrBlock": "10.40.0.0/16",
        "Egress": False,
        "NetworkAclId": "acl-1",
        "Protocol": -1,
        "RuleAction": "allow",
        "RuleNumber": 90,
    }
    s.add("prod", "AclFromDev", "AWS::EC2::NetworkAclEntry", entry)
    s.add(
        "prod",
        "AclDenyDev",
        "AWS::EC2::NetworkAclEntry",
        {**entry, "RuleAction": "deny", "RuleNumber": 80},
    )
    return "ISO-002", s.stack("prod"), "AclFromDev", "AWS::EC2::NetworkAclEntry rule 10.40.0.0/16"


def prod_peers_with_dev(s: Edited) -> tuple[str, str, str, str]:
    s.add(
        "prod",
        "PeerDev",
        "AWS::EC2::VPCPeeringConnection",
        {"VpcId": "vpc-1", "PeerVpcId": "vpc-0d0d0d0d0d0d0d0d0", "PeerOwnerId": DEV},
    )
    return (
        "ISO-003",
        s.stack("prod"),
        "PeerDev",
        f"AWS::EC2::VPCPeeringConnection to non-prod {DEV}",
    )


def dev_cluster_may_assume_prod_workload_role(s: Edited) -> tuple[str, str, str, str]:
    role_id, role = s.first("prod", "AWS::IAM::Role", role="app")
    condition = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    condition["ArnEquals"]["aws:SourceArn"] = f"arn:aws:eks:us-east-1:{DEV}:cluster/innovate-dev"
    return "ISO-001", s.stack("prod", "app"), role_id, "AssumeRolePolicyDocument.Statement[0]"


# --- non-prod templates ---------------------------------------------------------------------


def dev_peers_with_prod_vpc(s: Edited) -> tuple[str, str, str, str]:
    s.add(
        "dev",
        "PeerProd",
        "AWS::EC2::VPCPeeringConnection",
        {"VpcId": "vpc-1", "PeerVpcId": "vpc-0a0a0a0a0a0a0a0a0", "PeerOwnerId": DATA},
    )
    return (
        "ISO-003",
        s.stack("dev"),
        "PeerProd",
        "the prod data account id in AWS::EC2::VPCPeeringConnection",
    )


def dev_routes_to_prod_data_vpc(s: Edited) -> tuple[str, str, str, str]:
    s.add(
        "dev",
        "RouteToProd",
        "AWS::EC2::Route",
        {
            "RouteTableId": "rtb-1",
            "DestinationCidrBlock": "10.20.0.0/16",
            "VpcPeeringConnectionId": "pcx-1",
        },
    )
    return "ISO-002", s.stack("dev"), "RouteToProd", "10.20.0.0/16 overlaps the prod data VPC"


def dev_database_uses_prod_key(s: Edited) -> tuple[str, str, str, str]:
    db_id, db = s.first("dev", "AWS::RDS::DBInstance")
    db["KmsKeyId"] = PROD_KEY
    return "ISO-005", s.stack("dev"), db_id, "a prod KMS key ARN in AWS::RDS::DBInstance"


def dev_secret_uses_prod_key_alias(s: Edited) -> tuple[str, str, str, str]:
    secret_id, secret = s.first("dev", "AWS::SecretsManager::Secret")
    secret["KmsKeyId"] = "alias/innovate-prod"
    return "ISO-005", s.stack("dev"), secret_id, "the prod key alias 'alias/innovate-prod'"


def dev_database_restored_from_prod_snapshot(s: Edited) -> tuple[str, str, str, str]:
    db_id, db = s.first("dev", "AWS::RDS::DBInstance")
    db["DBSnapshotIdentifier"] = f"arn:aws:rds:us-east-1:{DATA}:snapshot:innovate-prod-nightly"
    return "ISO-004", s.stack("dev"), db_id, "Properties.DBSnapshotIdentifier"


def dev_role_may_restore_prod_snapshots(s: Edited) -> tuple[str, str, str, str]:
    statement = {
        "Effect": "Allow",
        "Action": "rds:Restore*",
        "Resource": f"arn:aws:rds:*:{DATA}:cluster-snapshot:*",
    }
    s.add(
        "dev",
        "RestoreProd",
        "AWS::IAM::Policy",
        {"PolicyName": "restore", "PolicyDocument": {"Statement": [statement]}},
    )
    return (
        "ISO-004",
        s.stack("dev"),
        "RestoreProd",
        "permission to rds:RestoreDBInstanceFromDBSnapshot, rds:RestoreDBClusterFromSnapshot on prod",
    )


def prod_secret_arn_in_dev_policy(s: Edited) -> tuple[str, str, str, str]:
    arn = f"arn:aws:secretsmanager:us-east-1:{DATA}:secret:innovate/prod/users/reporting-AbCdEf"
    statement = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn}
    s.add(
        "dev",
        "ReadProdSecret",
        "AWS::IAM::Policy",
        {"PolicyName": "read", "PolicyDocument": {"Statement": [statement]}},
    )
    return (
        "ISO-006",
        s.stack("dev"),
        "ReadProdSecret",
        "the prod data account id in AWS::IAM::Policy",
    )


def prod_endpoint_exported_by_dev(s: Edited) -> tuple[str, str, str, str]:
    outputs = s.templates[s.stack("dev")].setdefault("Outputs", {})
    outputs["UpstreamEndpoint"] = {"Value": "innovate-prod.cluster-abc.us-east-1.rds.amazonaws.com"}
    return (
        "ISO-006",
        s.stack("dev"),
        "UpstreamEndpoint",
        "the prod database cluster 'innovate-prod' in a stack output",
    )


def prod_role_arn_as_dev_parameter_default(s: Edited) -> tuple[str, str, str, str]:
    parameters = s.templates[s.stack("dev")].setdefault("Parameters", {})
    parameters["UpstreamRole"] = {
        "Type": "String",
        "Default": f"arn:aws:iam::{APP}:role/pgplat-innovate-prod-app-web",
    }
    return "ISO-006", s.stack("dev"), "UpstreamRole", "the prod app account id in a stack parameter"


MUTATIONS: list[Mutation] = [
    dev_account_in_prod_key_policy,
    dev_principal_in_prod_trust_policy,
    prod_transit_gateway_shared_with_dev,
    prod_backups_copied_to_dev,
    prod_backups_copied_to_another_bunker_vault,
    prod_cluster_snapshot_shared,
    prod_role_may_share_snapshots,
    prod_database_admits_dev_app_vpc,
    prod_database_admits_all_of_ten,
    prod_nacl_allows_dev_vpc,
    prod_peers_with_dev,
    dev_cluster_may_assume_prod_workload_role,
    dev_peers_with_prod_vpc,
    dev_routes_to_prod_data_vpc,
    dev_database_uses_prod_key,
    dev_secret_uses_prod_key_alias,
    dev_database_restored_from_prod_snapshot,
    dev_role_may_restore_prod_snapshots,
    prod_secret_arn_in_dev_policy,
    prod_endpoint_exported_by_dev,
    prod_role_arn_as_dev_parameter_default,
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.__name__ for m in MUTATIONS])
def test_template_crossing_is_caught(
    mutation: Mutation, edited: Edited, innovate: PgplatConfig
) -> None:
    rule_id, stack, logical_id, words = mutation(edited)
    finding = only(prove_isolation(edited.assembly, innovate), rule_id, stack, logical_id)
    assert words in finding.message
    assert finding.environment == edited.stacks[stack].environment
    assert finding.layer == "isolation"
    assert finding.severity == "error"
    assert finding.fix


def test_a_finding_says_what_where_and_why(edited: Edited, innovate: PgplatConfig) -> None:
    dev_account_in_prod_key_policy(edited)
    finding = prove_isolation(edited.assembly, innovate)[0]
    key_id, _ = edited.first("prod", "AWS::KMS::Key")
    assert finding.message.startswith(
        f"non-prod account {DEV} in AWS::KMS::Key in innovate-prod-data/{key_id} at "
    )
    assert ".KeyPolicy.Statement[" in finding.message
    assert finding.message.endswith(
        "a non-prod principal or account gains a way into production data"
    )


def test_a_guardrail_naming_dev_in_a_prod_key_policy_is_not_a_crossing(
    edited: Edited, innovate: PgplatConfig
) -> None:
    _, key = edited.first("prod", "AWS::KMS::Key")
    key["KeyPolicy"]["Statement"].extend(build_guardrails(innovate).key_statements)
    assert prove_isolation(edited.assembly, innovate) == []


# --- configuration ------------------------------------------------------------------------


def test_dev_configured_with_the_prod_key(
    edit_innovate: EditConfig, innovate_assembly: Assembly
) -> None:
    def share_key(raw: dict[str, Any]) -> None:
        raw["environments"]["prod"]["kms_key_arn"] = PROD_KEY
        raw["environments"]["dev"]["kms_key_arn"] = PROD_KEY

    finding = only(
        prove_isolation(innovate_assembly, edit_innovate(share_key)),
        "ISO-005",
        None,
        None,
    )
    assert finding.message.startswith(
        f"key {PROD_KEY}, a production key, in environments.dev.kms_key_arn of the configuration:"
    )
    assert finding.environment == "dev"


def test_dev_configured_on_the_prod_transit_gateway(
    edit_innovate: EditConfig, innovate_assembly: Assembly
) -> None:
    def share_tgw(raw: dict[str, Any]) -> None:
        for env in ("prod", "dev"):
            raw["environments"][env]["network"]["transit_gateway_id"] = "tgw-0123456789abcdef0"

    finding = only(
        prove_isolation(innovate_assembly, edit_innovate(share_tgw)),
        "ISO-003",
        None,
        None,
    )
    where = "in environments.dev.network.transit_gateway_id of the configuration"
    assert f"the prod Transit Gateway tgw-0123456789abcdef0 {where}" in finding.message


def test_dev_attached_to_the_existing_prod_transit_gateway(
    edit_innovate: EditConfig, edited: Edited
) -> None:
    tgw = "tgw-0fedcba9876543210"
    config = edit_innovate(
        lambda raw: raw["environments"]["prod"]["network"].update(transit_gateway_id=tgw)
    )
    attachment = {
        "TransitGatewayId": tgw,
        "VpcId": "vpc-0d0d0d0d0d0d0d0d0",
        "SubnetIds": ["subnet-1"],
    }
    stack = edited.stack("dev", "app")
    edited.templates[stack]["Resources"]["AttachProdTgw"] = {
        "Type": "AWS::EC2::TransitGatewayVpcAttachment",
        "Properties": attachment,
    }
    finding = only(prove_isolation(edited.assembly, config), "ISO-003", stack, "AttachProdTgw")
    assert finding.message.startswith(
        f"the prod Transit Gateway {tgw} in AWS::EC2::TransitGatewayVpcAttachment in {stack}/"
    )


def test_dev_cidr_among_prod_app_cidrs_never_gets_past_the_config(
    edit_innovate: EditConfig,
) -> None:
    def dev_in_prod(raw: dict[str, Any]) -> None:
        raw["environments"]["prod"]["network"]["app_vpcs"].append({"cidr": "10.50.0.0/16"})

    with pytest.raises(ValidationError, match="prod and dev never share address space"):
        edit_innovate(dev_in_prod)


# --- non-prod files -------------------------------------------------------------------------


def test_prod_endpoint_in_a_dev_env_file(
    tmp_path: Path, innovate: PgplatConfig, innovate_assembly: Assembly
) -> None:
    env_file = tmp_path / "dev.env"
    env_file.write_text(
        "PGPORT=5432\nPGHOST=innovate-prod.cluster-abc.us-east-1.rds.amazonaws.com\n"
    )
    finding = only(
        prove_isolation(innovate_assembly, innovate, extra_files=[env_file]),
        "ISO-006",
        None,
        None,
    )
    assert f"the prod database cluster 'innovate-prod' in {env_file}:2:" in finding.message


def test_prod_address_in_a_dev_network_policy(
    tmp_path: Path, innovate: PgplatConfig, innovate_assembly: Assembly
) -> None:
    manifest = tmp_path / "netpol.yaml"
    manifest.write_text("egress:\n  - to:\n      - ipBlock:\n          cidr: 10.20.0.0/16\n")
    finding = only(
        prove_isolation(innovate_assembly, innovate, extra_files=[manifest]), "ISO-002", None, None
    )
    assert f"overlaps the prod data VPC 10.20.0.0/16 in {manifest}:4:" in finding.message


def test_an_unreadable_file_is_a_user_error(
    tmp_path: Path, innovate: PgplatConfig, innovate_assembly: Assembly
) -> None:
    with pytest.raises(UserError, match=r"cannot read .*missing\.env for the isolation proof"):
        prove_isolation(innovate_assembly, innovate, extra_files=[tmp_path / "missing.env"])


# --- guardrails -----------------------------------------------------------------------------

GuardrailEdit = Callable[[Guardrails], None]


def drop_snapshot_sharing_denial(g: Guardrails) -> None:
    g.scps[PROD_DATA_SCP]["Statement"] = [
        s for s in g.scps[PROD_DATA_SCP]["Statement"] if s["Sid"] != "DenySnapshotSharing"
    ]


def point_key_denial_at_dev(g: Guardrails) -> None:
    statement = next(s for s in g.scps[NONPROD_SCP]["Statement"] if s["Sid"] == "DenyProdKmsKeys")
    statement["Resource"] = [f"arn:aws:kms:*:{DEV}:key/*"]


def loosen_peering_condition(g: Guardrails) -> None:
    statement = next(
        s for s in g.scps[NONPROD_SCP]["Statement"] if s["Sid"] == "DenyPeeringRequestToProd"
    )
    statement["Condition"] = {"ArnLike": {"ec2:AccepterVpc": "arn:aws:ec2:*:999999999999:vpc/*"}}


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (drop_snapshot_sharing_denial, "share a prod DB snapshot (rds:ModifyDBSnapshotAttribute"),
        (
            point_key_denial_at_dev,
            "decrypt with a prod KMS key (kms:Decrypt on arn:aws:kms:us-east-1:111111111111:key/prod)",
        ),
        (loosen_peering_condition, "request a peering to a prod VPC"),
    ],
    ids=["snapshot-sharing", "kms-keys", "peering"],
)
def test_guardrail_gap_is_caught(
    edit: GuardrailEdit, words: str, innovate: PgplatConfig, innovate_assembly: Assembly
) -> None:
    guardrails = copy.deepcopy(build_guardrails(innovate))
    edit(guardrails)
    findings = prove_isolation(innovate_assembly, innovate, guardrails)
    assert findings
    assert {f.rule_id for f in findings} == {"ISO-007"}
    assert any(words in f.message for f in findings), [f.message for f in findings]


def test_an_oversized_guardrail_is_caught(
    innovate: PgplatConfig, innovate_assembly: Assembly
) -> None:
    guardrails = copy.deepcopy(build_guardrails(innovate))
    statements = guardrails.scps[NONPROD_SCP]["Statement"]
    statements.extend(
        {**s, "Sid": f"{s['Sid']}Copy{i}"} for i in range(3) for s in list(statements)
    )
    finding = only(prove_isolation(innovate_assembly, innovate, guardrails), "ISO-007", None, None)
    assert "over the scp limit of 5120) in the guardrails:" in finding.message
