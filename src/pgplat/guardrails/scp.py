"""Service control policies: one for the non-prod account, one for the production data account.

An SCP limits what principals *in the accounts it is attached to* may do, so each side of
the boundary gets its own: the non-prod SCP forbids reaching into production resources, the
production SCP forbids handing data or network paths out. Both use only actions and
condition keys of the IAM service authorization reference; where a request parameter has no
condition key (the account list of ``ModifyDBSnapshotAttribute``), the action is denied
outright, because a production snapshot has no business being shared at all.
"""

from __future__ import annotations

from pgplat.guardrails.perimeter import Perimeter
from pgplat.guardrails.statements import Condition, Document, Statement, deny, document

NONPROD_SCP = "scp-nonprod-deny-prod-data"
PROD_DATA_SCP = "scp-prod-data-perimeter"

SNAPSHOT_READS = [
    "rds:CopyDBSnapshot",
    "rds:CopyDBClusterSnapshot",
    "rds:RestoreDBInstanceFromDBSnapshot",
    "rds:RestoreDBClusterFromSnapshot",
    "backup:StartCopyJob",
    "backup:StartRestoreJob",
]
SNAPSHOT_SHARES = ["rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute"]


def _vpc_patterns(perimeter: Perimeter, accounts: tuple[str, ...]) -> list[str]:
    return [perimeter.arn("ec2", account, "vpc/*") for account in accounts]


def nonprod_scp(perimeter: Perimeter) -> Document:
    """Attach to the non-prod account (or its OU): nothing there may touch production."""
    prod = perimeter.prod_accounts
    snapshots = [
        *perimeter.prod_arns("rds", "snapshot:*"),
        *perimeter.prod_arns("rds", "cluster-snapshot:*"),
        *perimeter.prod_arns("backup", "recovery-point:*"),
    ]
    gateways = perimeter.prod_arns("ec2", "transit-gateway/*")
    if perimeter.transit_gateway_id is not None:
        gateways.append(
            perimeter.arn("ec2", "*", f"transit-gateway/{perimeter.transit_gateway_id}")
        )
    statements: list[Statement] = [
        deny("DenyProdSnapshotCopyAndRestore", SNAPSHOT_READS, snapshots),
        deny("DenyProdKmsKeys", ["kms:*"], perimeter.prod_arns("kms", "key/*")),
        deny(
            "DenyProdCredentials",
            ["sts:AssumeRole", "secretsmanager:*", "rds-db:connect"],
            [
                *[perimeter.arn("iam", account, "role/*") for account in prod],
                *perimeter.prod_arns("secretsmanager", "secret:*"),
                *perimeter.prod_arns("rds-db", "dbuser:*/*"),
            ],
        ),
        deny(
            "DenyPeeringRequestToProd",
            ["ec2:CreateVpcPeeringConnection"],
            condition={"ArnLike": {"ec2:AccepterVpc": _vpc_patterns(perimeter, prod)}},
        ),
        deny(
            "DenyPeeringAcceptFromProd",
            ["ec2:AcceptVpcPeeringConnection"],
            condition={"ArnLike": {"ec2:RequesterVpc": _vpc_patterns(perimeter, prod)}},
        ),
        deny("DenyTransitGatewayAttachToProd", ["ec2:CreateTransitGatewayVpcAttachment"], gateways),
    ]
    return document(statements)


def prod_data_scp(perimeter: Perimeter) -> Document:
    """Attach to the production data account: its data and network never leave production.

    Negated conditions are paired with ``Null: false`` so that the half of a request that
    does not carry the key (e.g. the VPC half of ``CreateVpcPeeringConnection``) is not
    denied by accident.
    """
    prod = perimeter.prod_accounts
    accepter_outside: Condition = {
        "ArnNotLike": {"ec2:AccepterVpc": _vpc_patterns(perimeter, prod)},
        "Null": {"ec2:AccepterVpc": "false"},
    }
    requester_outside: Condition = {
        "ArnNotLike": {"ec2:RequesterVpc": _vpc_patterns(perimeter, prod)},
        "Null": {"ec2:RequesterVpc": "false"},
    }
    statements: list[Statement] = [
        deny("DenySnapshotSharing", SNAPSHOT_SHARES),
        deny(
            "DenyBackupCopyOutsideDataAccount",
            ["backup:CopyFromBackupVault"],
            condition={
                "ForAnyValue:ArnNotLike": {
                    "backup:CopyTargets": [
                        perimeter.arn("backup", perimeter.data_account, "backup-vault:*"),
                        *([perimeter.bunker_vault_arn] if perimeter.bunker_vault_arn else []),
                    ]
                },
                "Null": {"backup:CopyTargets": "false"},
            },
        ),
        deny(
            "DenyPeeringRequestOutsideProd",
            ["ec2:CreateVpcPeeringConnection"],
            condition=accepter_outside,
        ),
        deny(
            "DenyPeeringAcceptOutsideProd",
            ["ec2:AcceptVpcPeeringConnection"],
            condition=requester_outside,
        ),
        deny(
            "DenyResourceSharingOutsideProd",
            ["ram:CreateResourceShare", "ram:AssociateResourceShare"],
            condition={
                "StringNotEquals": {"ram:Principal": list(prod)},
                "Null": {"ram:Principal": "false"},
            },
        ),
    ]
    return document(statements)
