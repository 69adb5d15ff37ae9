"""The crossings each guardrail document must deny, as concrete requests.

They are the contract between the generator and the isolation proof: the proof evaluates
every crossing against the documents actually written (generated or edited by hand) and
reports each one that no Deny statement stops.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgplat.guardrails.evaluate import Request
from pgplat.guardrails.key_policy import KEY_POLICY_STATEMENTS
from pgplat.guardrails.perimeter import Perimeter
from pgplat.guardrails.scp import NONPROD_SCP, PROD_DATA_SCP

HUB_ACCOUNT = "111122223333"
"""A network account that may own a configured, existing Transit Gateway."""


@dataclass(frozen=True)
class Crossing:
    """A request that would move production data or reach towards it from outside."""

    document: str
    request: Request
    what: str


def _nonprod_crossings(p: Perimeter) -> list[Crossing]:
    data = p.data_account
    snapshot = p.arn("rds", data, "snapshot:prod-manual", p.region)
    cluster_snapshot = p.arn("rds", data, "cluster-snapshot:prod-manual", p.region)
    prod_vpc = p.arn("ec2", data, "vpc/vpc-0123456789abcdef0", p.region)
    peering = p.arn("ec2", p.outsider, "vpc-peering-connection/*", p.region)
    reads = [
        ("rds:CopyDBSnapshot", snapshot, "copy a prod DB snapshot"),
        ("rds:CopyDBClusterSnapshot", cluster_snapshot, "copy a prod cluster snapshot"),
        ("rds:RestoreDBInstanceFromDBSnapshot", snapshot, "restore a prod DB snapshot"),
        ("rds:RestoreDBClusterFromSnapshot", cluster_snapshot, "restore a prod cluster snapshot"),
        ("backup:StartRestoreJob", cluster_snapshot, "restore a prod AWS Backup recovery point"),
        ("kms:Decrypt", p.arn("kms", data, "key/prod", p.region), "decrypt with a prod KMS key"),
        ("kms:CreateGrant", p.arn("kms", data, "key/prod", p.region), "take a grant on a prod key"),
        ("sts:AssumeRole", p.arn("iam", data, "role/prod-db"), "assume a prod data-account role"),
        ("sts:AssumeRole", p.arn("iam", p.app_account, "role/prod-app"), "assume a prod app role"),
        (
            "secretsmanager:GetSecretValue",
            p.arn("secretsmanager", data, "secret:prod-db", p.region),
            "read a prod database secret",
        ),
        (
            "rds-db:connect",
            p.arn("rds-db", data, "dbuser:cluster-PROD/web", p.region),
            "connect to the prod database with IAM auth",
        ),
        (
            "ec2:CreateTransitGatewayVpcAttachment",
            p.arn("ec2", data, "transit-gateway/tgw-0123456789abcdef0", p.region),
            "attach a VPC to the prod Transit Gateway",
        ),
    ]
    if p.transit_gateway_id is not None:
        reads.append(
            (
                "ec2:CreateTransitGatewayVpcAttachment",
                p.arn("ec2", HUB_ACCOUNT, f"transit-gateway/{p.transit_gateway_id}", p.region),
                f"attach a VPC to the configured prod Transit Gateway {p.transit_gateway_id}",
            )
        )
    crossings = [Crossing(NONPROD_SCP, Request(a, r), what) for a, r, what in reads]
    crossings += _peerings(
        NONPROD_SCP,
        peering,
        prod_vpc,
        ("request a peering to a prod VPC", "accept a peering requested by a prod VPC"),
    )
    return crossings


def _peerings(scp: str, peering: str, other_vpc: str, what: tuple[str, str]) -> list[Crossing]:
    """Requesting a peering to ``other_vpc``, and accepting one from it."""
    request, accept = what
    return [
        Crossing(
            scp,
            Request("ec2:CreateVpcPeeringConnection", peering, {"ec2:AccepterVpc": other_vpc}),
            request,
        ),
        Crossing(
            scp,
            Request("ec2:AcceptVpcPeeringConnection", peering, {"ec2:RequesterVpc": other_vpc}),
            accept,
        ),
    ]


def _prod_crossings(p: Perimeter) -> list[Crossing]:
    data, outsider = p.data_account, p.outsider
    outside_vpc = p.arn("ec2", outsider, "vpc/vpc-0fedcba9876543210", p.region)
    peering = p.arn("ec2", data, "vpc-peering-connection/*", p.region)
    return [
        Crossing(
            PROD_DATA_SCP,
            Request("rds:ModifyDBSnapshotAttribute", p.arn("rds", data, "snapshot:prod", p.region)),
            "share a prod DB snapshot",
        ),
        Crossing(
            PROD_DATA_SCP,
            Request(
                "rds:ModifyDBClusterSnapshotAttribute",
                p.arn("rds", data, "cluster-snapshot:prod", p.region),
            ),
            "share a prod cluster snapshot",
        ),
        Crossing(
            PROD_DATA_SCP,
            Request(
                "backup:CopyFromBackupVault",
                p.arn("backup", data, "backup-vault:prod", p.region),
                {"backup:CopyTargets": [p.arn("backup", outsider, "backup-vault:dev", p.region)]},
            ),
            "copy prod backups to a vault in another account",
        ),
        *_peerings(
            PROD_DATA_SCP,
            peering,
            outside_vpc,
            (
                "request a peering from the data VPC to a VPC outside prod",
                "accept a peering from a VPC outside prod",
            ),
        ),
        Crossing(
            PROD_DATA_SCP,
            Request("ram:CreateResourceShare", "*", {"ram:Principal": outsider}),
            "share the Transit Gateway (or any resource) with an account outside prod",
        ),
        Crossing(
            PROD_DATA_SCP,
            Request(
                "ram:AssociateResourceShare",
                p.arn("ram", data, "resource-share/*", p.region),
                {"ram:Principal": outsider},
            ),
            "add an account outside prod to a resource share",
        ),
    ]


def _key_crossings(p: Perimeter) -> list[Crossing]:
    key = p.arn("kms", p.data_account, "key/prod", p.region)
    outsider_context = {"aws:PrincipalAccount": p.outsider, "aws:PrincipalIsAWSService": "false"}
    crossings = [
        Crossing(
            KEY_POLICY_STATEMENTS,
            Request(action, key, outsider_context),
            f"{action} on a prod key by a principal outside prod",
        )
        for action in ("kms:Decrypt", "kms:CreateGrant", "kms:ReEncryptFrom")
    ]
    if p.nonprod_account is not None:
        crossings.append(
            Crossing(
                KEY_POLICY_STATEMENTS,
                Request(
                    "kms:CreateGrant",
                    key,
                    {
                        "aws:PrincipalAccount": p.data_account,
                        "aws:PrincipalIsAWSService": "false",
                        "kms:GranteePrincipal": p.arn("iam", p.nonprod_account, "role/dev"),
                    },
                ),
                "a prod principal granting a prod key to a non-prod role",
            )
        )
    return crossings


def _bunker_crossings(p: Perimeter) -> list[Crossing]:
    """With a bunker copy, what its account may not do: take copies into another of its
    vaults, or use a production key other than through AWS Backup."""
    if p.bunker_account is None:
        return []
    bunker = p.bunker_account
    return [
        Crossing(
            PROD_DATA_SCP,
            Request(
                "backup:CopyFromBackupVault",
                p.arn("backup", p.data_account, "backup-vault:prod", p.region),
                {"backup:CopyTargets": [p.arn("backup", bunker, "backup-vault:other", p.region)]},
            ),
            "copy prod backups to another vault of the backup account",
        ),
        Crossing(
            KEY_POLICY_STATEMENTS,
            Request(
                "kms:Decrypt",
                p.arn("kms", p.data_account, "key/prod", p.region),
                {"aws:PrincipalAccount": bunker, "aws:PrincipalIsAWSService": "false"},
            ),
            "decrypt with a prod key from the backup account, not through AWS Backup",
        ),
    ]


def crossings(perimeter: Perimeter) -> list[Crossing]:
    """Every crossing the guardrails of ``perimeter`` must deny."""
    return [
        *_nonprod_crossings(perimeter),
        *_prod_crossings(perimeter),
        *_key_crossings(perimeter),
        *_bunker_crossings(perimeter),
    ]
