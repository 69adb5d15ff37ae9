"""Statements to add to every production KMS key policy.

SCPs bind only the accounts they are attached to; a key policy binds every caller. These
statements deny the key to any principal outside the production accounts, however the rest
of the policy is edited later, while AWS services that use the key for production (CloudWatch,
RDS events, which carry no principal account) keep working.
"""

from __future__ import annotations

from pgplat.guardrails.perimeter import Perimeter
from pgplat.guardrails.statements import Statement, deny

KEY_POLICY_STATEMENTS = "kms-prod-key-policy-statements"


def prod_key_statements(perimeter: Perimeter) -> list[Statement]:
    statements = [
        deny(
            "DenyKeyUseOutsideProdAccounts",
            ["kms:*"],
            condition={
                "StringNotEquals": {"aws:PrincipalAccount": list(perimeter.prod_accounts)},
                "Bool": {"aws:PrincipalIsAWSService": "false"},
            },
            any_principal=True,
        ),
    ]
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
