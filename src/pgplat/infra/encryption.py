"""The environment's customer-managed KMS key and the policy naming exactly who may use it.

The key policy does not hand the account ``kms:*``. The account may administer the key but
not use it; use is granted only to AWS services acting for the account (RDS, Secrets Manager,
AWS Backup) through ``kms:ViaService``, to the CloudWatch Logs, CloudWatch alarm and RDS event
service principals that write encrypted data, and to principals named later with
:meth:`DataKey.grant_secret_read`.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
]
_USE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]
_GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
_SERVICES_USING_KEY = ("rds", "secretsmanager", "backup")
_PUBLISHERS = ("cloudwatch.amazonaws.com", "events.rds.amazonaws.com")


class DataKey(Construct):
    """The CMK that encrypts storage, Performance Insights, secrets, logs, SNS and backups.

    With ``existing_key_arn`` the key is imported as is: its policy is managed elsewhere and
    grants become IAM policies on the grantee only.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, alias: str, existing_key_arn: str | None
    ) -> None:
        super().__init__(scope, construct_id)
        self._owned = existing_key_arn is None
        if existing_key_arn is not None:
            self.key: kms.IKey = kms.Key.from_key_arn(self, "Imported", existing_key_arn)
            return
        stack = Stack.of(self)
        key = kms.Key(
            self,
            "Key",
            alias=alias,
            description=f"Encrypts the {alias.removeprefix('alias/')} database and its data",
            enable_key_rotation=True,
            pending_window=Duration.days(30),
            removal_policy=RemovalPolicy.RETAIN,
            policy=iam.PolicyDocument(statements=_base_statements(stack)),
        )
        self.key = key

    def grant_secret_read(self, grantee: iam.IGrantable) -> None:
        """Let ``grantee`` decrypt secrets sealed with this key (via Secrets Manager only)."""
        stack = Stack.of(self)
        condition = {"StringEquals": {"kms:ViaService": _via(stack, "secretsmanager")}}
        if self._owned:
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    actions=["kms:Decrypt", "kms:DescribeKey"],
                    principals=[grantee.grant_principal],
                    resources=["*"],
                    conditions=condition,
                )
            )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:DescribeKey"],
                resources=[self.key.key_arn],
                conditions=condition,
            )
        )

    def allow_bunker_copy(self, account: str, organization_id: str) -> None:
        """Let the organisation's backup account use the key for AWS Backup's cross-account
        copies of RDS snapshots (shared snapshots stay encrypted under the source key until
        the copy re-encrypts them): through AWS Backup only, grants only for AWS resources.
        An imported key's policy is managed elsewhere and is left to its owners."""
        if not self._owned:
            return
        stack = Stack.of(self)
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="BunkerAccountCopiesBackups",
                actions=["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"],
                principals=[iam.AccountPrincipal(account)],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": _via(stack, "backup"),
                        "aws:PrincipalOrgID": organization_id,
                    },
                    "Bool": {"kms:GrantIsForAWSResource": "true"},
                },
            )
        )


def _via(stack: Stack, service: str) -> str:
    return f"{service}.{stack.region}.amazonaws.com"


def _base_statements(stack: Stack) -> list[iam.PolicyStatement]:
    account = iam.AccountRootPrincipal()
    statements = [
        iam.PolicyStatement(
            sid="AccountAdministersButDoesNotUse",
            actions=ADMIN_ACTIONS,
            principals=[account],
            resources=["*"],
        ),
    ]
    statements.extend(
        iam.PolicyStatement(
            sid=f"UseVia{service.capitalize()}",
            actions=[*_USE_ACTIONS, *_GRANT_ACTIONS],
            principals=[account],
            resources=["*"],
            conditions={
                "StringEquals": {
                    "kms:CallerAccount": stack.account,
                    "kms:ViaService": _via(stack, service),
                },
            },
        )
        for service in _SERVICES_USING_KEY
    )
    statements.append(
        iam.PolicyStatement(
            sid="CloudWatchLogsEncryptsLogGroups",
            actions=_USE_ACTIONS,
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                    )
                }
            },
        )
    )
    statements.append(
        iam.PolicyStatement(
            sid="AlarmsAndRdsEventsPublishToTopic",
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            principals=[iam.ServicePrincipal(p) for p in _PUBLISHERS],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
        )
    )
    return statements
