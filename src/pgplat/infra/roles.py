"""Roles that an AWS service assumes to act for pgplat with its own AWS managed policy."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct


def service_role(
    scope: Construct, construct_id: str, *, service: str, managed_policy: str, description: str
) -> iam.Role:
    """A role ``service`` (e.g. ``backup.amazonaws.com``) assumes, holding ``managed_policy``."""
    return iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal(service),
        description=description,
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(managed_policy)],
    )
