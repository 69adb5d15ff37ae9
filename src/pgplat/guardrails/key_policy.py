"""Statements to add to every production KMS key policy.

SCPs bind only the accounts they are attached to; a key policy binds every caller. These
statements deny the key to any principal outside the production accounts, however the rest
of the policy is edited later, while AWS services that use the key for production (CloudWatch,
RDS events, which carry no principal account) keep working. The organisation's backup account
(a bunker copy's) may use it through AWS Backup only.
"""

from __future__ import annotations

from pgplat.guardrails.perimeter import Perimeter
from pgplat.guardrails.statements import Statement, deny

KEY_POLICY_STATEMENTS = "kms-prod-key-policy-statements"


def prod_key_statements(perimeter: Perimeter) -> list[Statement]:
    bunker = perimeter.bunker_account
    inside = [*perimeter.prod_accounts, *([bunker] if bunker else [])]
    statements = [
        deny(
            "DenyKeyUseOutsideProdAccounts",
            ["kms:*"],
            condition={
                "StringNotEquals": {"aws:PrincipalAccount": inside},
                "Bool": {"aws:PrincipalIsAWSService": "false"},
            },
            any_principal=True,
        ),
    ]
    if bunker is not None:
        statements.append(
            deny(
                "DenyBunkerKeyUseButBackupCopies",
                ["kms:*"],
                condition={
                    "StringEquals": {"aws:PrincipalAccount": bunker},
                    "StringNotEquals": {
                        "kms:ViaService": f"backup.{perimeter.region}.amazonaws.com"
                    },
                },
                any_principal=True,
            )
        )
    if perimeter.nonprod_account is not None:
        statements.append(
            deny(
                "DenyGrantsToNonProd",
                ["kms:CreateGrant"],
                condition={
                    "StringLike": {
                        "kms:GranteePrincipal": perimeter.arn("iam", perimeter.nonprod_account, "*")
                    }
                },
                any_principal=True,
            )
        )
    return statements
