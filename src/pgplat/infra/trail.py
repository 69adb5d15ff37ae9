"""The data account's CloudTrail trail: the AWS half of "who connected, through which roles".

Every ``AssumeRole`` into a database role carries the workload identity as its session name
(see :mod:`pgplat.client.identity`); the trail keeps those calls, and every other API call in
the account, beyond the 90 days of CloudTrail's event history. It is multi-region with log
file validation, writes to a bucket that blocks public access, is versioned, accepts TLS only
and expires files after ``audit.trail_retention_days``, and encrypts them with a key of its
own rather than the data key: an imported data key (``kms_key_arn``) cannot be given a
CloudTrail statement from here, and whoever may decrypt the data need not read the audit log.

Only production gets a trail, unless ``audit.organization_trail`` says an organisation trail
already records the account. The dev environment's non-prod account holds no production
data, and its own account governance (often that organisation trail) covers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from pgplat import naming
from pgplat.config.model import Audit
from pgplat.infra.encryption import ADMIN_ACTIONS

if TYPE_CHECKING:
    from pgplat.infra.app import EnvironmentApp

ARCHIVE_AFTER = Duration.days(90)
"""Log files older than this move to Glacier Instant Retrieval (readable without a restore)."""


class TrailStack(Stack):
    """A CloudTrail trail of the data account, its key, its bucket and that bucket's access log."""

    def __init__(
        self, scope: Construct, construct_id: str, *, prefix: str, audit: Audit, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # S3 delivers access logs under a bucket policy, not the legacy log-delivery ACL.
        self.node.set_context("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", True)
        trail_name = f"{prefix}-audit"
        trail_arn = self.format_arn(
            service="cloudtrail", resource="trail", resource_name=trail_name
        )
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{trail_name}",
            description=f"Encrypts the CloudTrail log files of {trail_name}",
            enable_key_rotation=True,
            pending_window=Duration.days(30),
            removal_policy=RemovalPolicy.RETAIN,
            policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        sid="AccountAdministersButDoesNotUse",
                        actions=ADMIN_ACTIONS,
                        principals=[iam.AccountRootPrincipal()],
                        resources=["*"],
                    )
                ]
            ),
        )
        self._grant_cloudtrail(trail_arn)
        self.access_log = _bucket(
            self,
            "AccessLog",
            encryption=s3.BucketEncryption.S3_MANAGED,  # S3 access logs accept no SSE-KMS
            expiration=Duration.days(audit.trail_retention_days),
        )
        self.bucket = _bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            server_access_logs_bucket=self.access_log,
            server_access_logs_prefix="trail-bucket/",
            expiration=Duration.days(audit.trail_retention_days),
        )
        self.trail = cloudtrail.Trail(
            self,
            "Trail",
            trail_name=trail_name,
            bucket=self.bucket,
            encryption_key=self.key,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_file_validation=True,
        )

    def _grant_cloudtrail(self, trail_arn: str) -> None:
        """CloudTrail encrypts this trail's files; the account's principals may decrypt them."""
        context = {
            "kms:EncryptionContext:aws:cloudtrail:arn": self.format_arn(
                service="cloudtrail", region="*", resource="trail", resource_name="*"
            )
        }
        service = iam.ServicePrincipal("cloudtrail.amazonaws.com")
        source = {"aws:SourceArn": trail_arn}
        grants: list[tuple[str, list[str], iam.IPrincipal, dict[str, Any]]] = [
            (
                "CloudTrailEncryptsLogFiles",
                ["kms:GenerateDataKey*"],
                service,
                {"StringEquals": source, "StringLike": context},
            ),
            ("CloudTrailDescribesKey", ["kms:DescribeKey"], service, {"StringEquals": source}),
            (
                "AccountReadsLogFiles",
                ["kms:Decrypt", "kms:ReEncryptFrom"],
                iam.AccountRootPrincipal(),
                {"StringEquals": {"kms:CallerAccount": self.account}, "StringLike": context},
            ),
        ]
        for sid, actions, principal, conditions in grants:
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=sid,
                    actions=actions,
                    principals=[principal],
                    resources=["*"],
                    conditions=conditions,
                )
            )


def _bucket(
    scope: Construct, construct_id: str, *, expiration: Duration, **kwargs: Any
) -> s3.Bucket:
    """A private, versioned, TLS-only bucket whose objects move to Glacier IR, then expire."""
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        versioned=True,
        removal_policy=RemovalPolicy.RETAIN,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="ArchiveThenExpire",
                transitions=[
                    s3.Transition(
                        storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                        transition_after=ARCHIVE_AFTER,
                    )
                ],
                expiration=expiration,
                noncurrent_version_expiration=Duration.days(30),
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ],
        **kwargs,
    )


def build_trail_stack(env: EnvironmentApp) -> None:
    """Production's trail in the data account, unless an organisation trail records it."""
    if env.env_name != "prod" or env.config.audit.organization_trail:
        return
    stack = TrailStack(
        env.app,
        naming.trail_stack_name(env.config, env.env_name),
        prefix=env.prefix,
        audit=env.config.audit,
        env=env.environment("data"),
        description=f"pgplat {env.config.name} {env.env_name}: CloudTrail of the data account",
    )
    env.add(stack, "data")
