"""Every cdk-nag finding pgplat accepts on its own templates, each with the reason it is safe.

This table is the one place pgplat's constructs acknowledge findings: none of them call
``Validations.of(...).acknowledge``, so what is accepted, and why, is read here and nowhere
else. (Acknowledgements the CDK's own constructs record in the cloud assembly, and those of
assemblies pgplat did not synthesize, are honoured too: see :mod:`pgplat.policy.cdknag`.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pgplat.validator.drill_names import DRILL_PREFIX, RESTORE_TEST_PREFIX


@dataclass(frozen=True)
class Site:
    """Where a resource sits: its construct path inside its stack (``Access/Peering/…``),
    and the stack's region and account."""

    path: str = ""
    region: str = ""
    account: str = ""


@dataclass(frozen=True)
class Acknowledgement:
    """A cdk-nag finding pgplat accepts, and why: on resources of ``resource_type`` whose
    definition mentions ``mentions``, below the construct ``construct`` (a path inside the
    stack; anywhere when empty), in ``environments`` (all when empty).

    ``rule`` may name the stack's ``{region}`` and ``{account}``, as cdk-nag's ids of wildcard
    resources do. With ``per_wildcard_resource`` the rule is a base id (``AwsSolutions-IAM5``)
    and each wildcard resource of the policy is acknowledged as its own finding
    (``AwsSolutions-IAM5[Resource::…]``), the way cdk-nag names them.
    """

    rule: str
    resource_type: str
    reason: str
    mentions: str = ""
    construct: str = ""
    environments: tuple[str, ...] = ()
    per_wildcard_resource: bool = False

    def rules_for(
        self, definition: Mapping[str, Any], environment: str | None, site: Site = Site()
    ) -> list[str]:
        """The finding ids this acknowledgement covers on one resource (none if it does
        not apply there)."""
        applies = (
            definition.get("Type") == self.resource_type
            and self.mentions in json.dumps(definition)
            and (not self.environments or environment in self.environments)
            and (not self.construct or f"{site.path}/".startswith(f"{self.construct}/"))
        )
        if not applies:
            return []
        if not self.per_wildcard_resource:
            return [self.rule.format(region=site.region, account=site.account)]
        statements = definition.get("Properties", {}).get("PolicyDocument", {}).get("Statement", [])
        resources = [
            _as_nag_text(resource)
            for statement in statements
            for resource in _listed(statement.get("Resource"))
        ]
        return [f"{self.rule}[Resource::{r}]" for r in resources if "*" in r]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _as_nag_text(value: Any) -> str:
    """A template value as cdk-nag writes it in finding ids: joins joined, pseudo
    parameters and references as ``<Name>``."""
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_as_nag_text(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    return str(value)


def _aws_managed_policy(name: str, reason: str) -> Acknowledgement:
    """AwsSolutions-IAM4 for one AWS-managed service-role policy, on the roles that use it."""
    arn = f"arn:<AWS::Partition>:iam::aws:policy/service-role/{name}"
    return Acknowledgement(f"AwsSolutions-IAM4[Policy::{arn}]", "AWS::IAM::Role", reason, name)


def _role_wildcards(construct: str, reasons: Mapping[str, str]) -> Iterator[Acknowledgement]:
    """AwsSolutions-IAM5 for each wildcard resource (``*``, or an RDS ARN's resource part) of
    the role at ``construct``: accepted on the role and on its default policy alike."""
    for resource, reason in reasons.items():
        arn = resource if resource == "*" else f"{_RDS_ARN}{resource}"
        for resource_type in ("AWS::IAM::Role", "AWS::IAM::Policy"):
            yield Acknowledgement(
                f"AwsSolutions-IAM5[Resource::{arn}]", resource_type, reason, construct=construct
            )


_NONPROD = ("dev",)
_DB_TYPES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")
_RDS_ARN = "arn:<AWS::Partition>:rds:{region}:{account}:"
_PEERING_REASON = (
    "The peering connection is created later by the app account, so its id cannot be named; "
    "the conditions pin the accepter VPC to the data VPC and the requester to the configured "
    "app VPCs (or to the app account's VPCs while their ids are not configured)."
)
_SNAPSHOT_REASON = (
    "RDS names automated snapshots itself (rds:<id>-<date>), so restoring may name any "
    "snapshot; the copy it creates must be drill-* and the source is denied every change."
)
_GROUP_REASON = (
    "A restored copy and its instance are authorized against the parameter and option "
    "groups RDS gives them, whose names RDS chooses."
)
_DRILL_REASON = (
    "Drill copies are named drill-<time>-<random>-<source> at run time; the prefix confines "
    "modifying and deleting to them."
)
_RESTORE_TEST_REASON = (
    "AWS Backup names restore-test copies awsbackup-restore-test-<random>; the prefix keeps "
    "the validator off every other database."
)

ACKNOWLEDGEMENTS: tuple[Acknowledgement, ...] = (
    _aws_managed_policy(
        "AWSLambdaBasicExecutionRole",
        "CDK's custom-resource and rotation functions only write their own logs; this "
        "AWS-maintained policy grants exactly logs:CreateLogGroup/CreateLogStream/PutLogEvents.",
    ),
    _aws_managed_policy(
        "AmazonRDSEnhancedMonitoringRole",
        "The role RDS assumes to publish Enhanced Monitoring; the AWS-documented policy only "
        "allows writing to the RDSOSMetrics log group, and AWS keeps it current.",
    ),
    _aws_managed_policy(
        "AWSBackupServiceRolePolicyForBackup",
        "AWS Backup's documented service-role policy; the backup selection limits it to the "
        "database, and AWS maintains it as the RDS snapshot APIs evolve.",
    ),
    _aws_managed_policy(
        "AWSBackupServiceRolePolicyForRestores",
        "AWS Backup's documented restore policy, used only by the restore-testing plan that "
        "proves backups restore; the restored copy is deleted by AWS Backup after validation.",
    ),
    *(
        Acknowledgement(
            "AwsSolutions-RDS11",
            db_type,
            "pgplat keeps PostgreSQL's 5432: only the app VPC CIDRs may reach it (PGP-023), with "
            "TLS (PGP-010) and IAM authentication (PGP-011); a moved port hides nothing from a "
            "client inside the allowed network.",
        )
        for db_type in _DB_TYPES
    ),
    *(
        Acknowledgement(
            "AwsSolutions-VPC3",
            acl_type,
            "The plan asks for security groups plus NACLs: the database-subnet NACL admits 5432 "
            "and return traffic from the app VPC CIDRs only, a second gate under the SG.",
        )
        for acl_type in ("AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry")
    ),
    # The peering accepter role (infra/connectivity.py): its policy, finding by finding, and
    # the role itself, which cdk-nag names after the same wildcard.
    Acknowledgement(
        "AwsSolutions-IAM5",
        "AWS::IAM::Policy",
        _PEERING_REASON,
        mentions="ec2:AcceptVpcPeeringConnection",
        per_wildcard_resource=True,
    ),
    Acknowledgement(
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:{region}:{account}"
        ":vpc-peering-connection/*]",
        "AWS::IAM::Role",
        _PEERING_REASON,
        construct="Access/Peering/AccepterRole",
    ),
    Acknowledgement(
        "AwsSolutions-RDS3",
        "AWS::RDS::DBInstance",
        "The non-production database is the single-AZ, cost-optimised RDS the plan allows for "
        "development; production is held to Multi-AZ by PGP-015.",
        environments=_NONPROD,
    ),
    *(
        Acknowledgement(
            "AwsSolutions-RDS10",
            db_type,
            "The non-production database holds no production data and is disposable by design; "
            "production deletion protection is enforced by PGP-013.",
            environments=_NONPROD,
        )
        for db_type in _DB_TYPES
    ),
    # The restore drill's and the restore-test validator's roles (infra/restore_validation.py).
    *_role_wildcards(
        "RestoreValidation/DrillRole",
        {
            "*": "RDS and EC2 Describe calls used to read the source and find the drill "
            "security group offer no resource-level permissions; they only read.",
            "cluster-snapshot:*": _SNAPSHOT_REASON,
            "snapshot:*": _SNAPSHOT_REASON,
            "cluster-pg:*": _GROUP_REASON,
            "pg:*": _GROUP_REASON,
            "og:*": _GROUP_REASON,
            f"cluster:{DRILL_PREFIX}*": _DRILL_REASON,
            f"db:{DRILL_PREFIX}*": _DRILL_REASON,
        },
    ),
    *_role_wildcards(
        "RestoreValidation/ValidatorRole",
        {
            "*": "Restore jobs are not IAM resources (backup:DescribeRestoreJob and "
            "PutRestoreValidationResult), GetMetricStatistics has no resource type, and "
            "a VPC Lambda manages its own network interfaces.",
            "pg:*": _GROUP_REASON,
            "og:*": _GROUP_REASON,
            f"cluster:{RESTORE_TEST_PREFIX}*": _RESTORE_TEST_REASON,
            f"db:{RESTORE_TEST_PREFIX}*": _RESTORE_TEST_REASON,
        },
    ),
    Acknowledgement(
        "AwsSolutions-L1",
        "AWS::Lambda::Function",
        "The runtime is the CPython of the interpreter that bundles the asset, so the psycopg "
        "and pydantic-core binary wheels match it; synthesize with a newer Python to move the "
        "runtime forward.",
        construct="RestoreValidation/Validator",
    ),
)
