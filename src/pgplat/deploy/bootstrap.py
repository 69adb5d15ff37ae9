"""`cdk bootstrap` per account, with a least-privilege CloudFormation execution policy.

The CDK's default bootstrap lets CloudFormation act with AdministratorAccess. pgplat instead
writes, per account, a managed policy allowing only the services its synthesized stacks
create resources in, with IAM changes confined to role and policy names the stacks own.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgplat.aws.sessions import ConfiguredAccount, access_for
from pgplat.config.model import PgplatConfig
from pgplat.deploy.plan import StackTarget
from pgplat.naming import execution_policy_name, owned_iam_name_patterns

# CloudFormation type namespace -> IAM service prefix, where they differ.
_SERVICE_OF_NAMESPACE = {
    "ApplicationAutoScaling": "application-autoscaling",
    "CloudWatch": "cloudwatch",
    "Events": "events",
    "SecretsManager": "secretsmanager",
    "Logs": "logs",
    "RAM": "ram",
}
# Services CloudFormation always needs alongside what the templates name.
_ALWAYS = ("cloudformation", "ssm")
# What hosted secret rotation (AWS::SecretsManager::RotationSchedule) deploys on its own.
_ROTATION_EXTRAS = ("lambda", "serverlessrepo")


@dataclass(frozen=True)
class AccountBootstrap:
    """Everything needed to bootstrap one account in the regions its stacks use."""

    role: ConfiguredAccount
    account: str
    regions: tuple[str, ...]
    policy_name: str
    policy: dict[str, Any]

    @property
    def policy_arn(self) -> str:
        return f"arn:aws:iam::{self.account}:policy/{self.policy_name}"


def _services(templates: list[dict[str, Any]]) -> list[str]:
    services = set(_ALWAYS)
    for template in templates:
        for resource in template.get("Resources", {}).values():
            kind = str(resource.get("Type", ""))
            if not kind.startswith("AWS::"):
                services.add("lambda")  # custom resources are Lambda-backed
                continue
            namespace = kind.split("::")[1]
            services.add(_SERVICE_OF_NAMESPACE.get(namespace, namespace.lower()))
            if kind == "AWS::SecretsManager::RotationSchedule":
                services.update(_ROTATION_EXTRAS)
    return sorted(services)


def execution_policy(
    config: PgplatConfig, account: str, templates: list[dict[str, Any]]
) -> dict[str, Any]:
    """The policy CloudFormation gets in ``account``: only the services the stacks use."""
    used = _services(templates)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "StackServices",
            "Effect": "Allow",
            "Action": [f"{s}:*" for s in used if s != "iam"],
            "Resource": "*",
        }
    ]
    if "iam" in used:
        owned = owned_iam_name_patterns(config)
        statements.append(
            {
                "Sid": "OwnedIdentities",
                "Effect": "Allow",
                "Action": "iam:*",
                "Resource": [
                    f"arn:aws:iam::{account}:{kind}/{prefix}"
                    for kind in ("role", "policy", "instance-profile")
                    for prefix in owned
                ]
                + [f"arn:aws:iam::{account}:oidc-provider/*"],
            }
        )
        statements.append(
            {
                "Sid": "ServiceLinkedRoles",
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "Resource": "*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def plan_bootstrap(config: PgplatConfig, stacks: list[StackTarget]) -> list[AccountBootstrap]:
    """One bootstrap per account that the stacks deploy into."""
    accounts: dict[str, list[StackTarget]] = {}
    for stack in stacks:
        accounts.setdefault(stack.account, []).append(stack)
    return [
        AccountBootstrap(
            role=members[0].role,
            account=account,
            regions=tuple(sorted({s.region for s in members})),
            policy_name=execution_policy_name(config),
            policy=execution_policy(config, account, [s.template() for s in members]),
        )
        for account, members in accounts.items()
    ]


def write_policies(items: list[AccountBootstrap], policy_dir: Path) -> list[Path]:
    """Each account's execution policy as ``ACCOUNT.json`` in ``policy_dir``, for review and
    for the `aws iam create-policy` lines of :func:`bootstrap_lines`."""
    policy_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for item in items:
        path = policy_dir / f"{item.account}.json"
        path.write_text(json.dumps(item.policy, indent=2) + "\n")
        written.append(path)
    return written


def bootstrap_arguments(config: PgplatConfig, item: AccountBootstrap) -> list[str]:
    """`cdk bootstrap` arguments (after the `cdk` executable) for one account."""
    args = ["bootstrap", *(f"aws://{item.account}/{r}" for r in item.regions)]
    args += ["--cloudformation-execution-policies", item.policy_arn]
    trusted = config.deploy.trusted_account
    if trusted and trusted != item.account:
        args += ["--trust", trusted, "--trust-for-lookup", trusted]
    return args


def bootstrap_lines(
    config: PgplatConfig, items: list[AccountBootstrap], policy_dir: str
) -> list[str]:
    """The commands to run by hand, per account (policy first, then the bootstrap)."""
    lines = []
    for item in items:
        access = access_for(config, item.role)
        profile = ["--profile", access.profile] if access.profile else []
        lines.append(f"# {item.role} account {item.account} ({', '.join(item.regions)})")
        lines.append(
            shlex.join(
                [
                    "aws",
                    "iam",
                    "create-policy",
                    "--policy-name",
                    item.policy_name,
                    "--policy-document",
                    f"file://{policy_dir}/{item.account}.json",
                    *profile,
                ]
            )
        )
        lines.append(shlex.join(["cdk", *bootstrap_arguments(config, item), *profile]))
    return lines


def ensure_policy(iam: Any, item: AccountBootstrap) -> str:
    """Create the execution policy, or make the current document its default version."""
    document = json.dumps(item.policy)
    try:
        iam.get_policy(PolicyArn=item.policy_arn)
    except iam.exceptions.NoSuchEntityException:
        iam.create_policy(PolicyName=item.policy_name, PolicyDocument=document)
        return "created"
    versions = iam.list_policy_versions(PolicyArn=item.policy_arn)["Versions"]
    old = [v for v in versions if not v["IsDefaultVersion"]]
    if len(versions) >= 5:  # IAM keeps at most five versions
        oldest = min(old, key=lambda v: v["CreateDate"])
        iam.delete_policy_version(PolicyArn=item.policy_arn, VersionId=oldest["VersionId"])
    iam.create_policy_version(PolicyArn=item.policy_arn, PolicyDocument=document, SetAsDefault=True)
    return "updated"
