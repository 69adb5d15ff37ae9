"""Regression (issue 20): users with ``auth: secret`` were also granted ``rds-db:connect``.

Each data role gets exactly what its user's auth mode needs: an IAM user ``rds-db:connect`` on
its own database user and nothing from Secrets Manager or KMS; a secret user its own secret
(and decrypting it through Secrets Manager) and no ``rds-db:connect``. Proven over generated
sets of users, on the construct alone (no full synthesis).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Template
from hypothesis import HealthCheck, given, settings

from pgplat.config.model import Database, PgplatConfig
from pgplat.infra.access import DatabaseAccess, DatabaseIdentity
from pgplat.infra.encryption import DataKey
from tests.fixtures.configs import Document, users


def _granted(config: PgplatConfig) -> dict[str, list[dict[str, Any]]]:
    """Identity-policy statements of each user's data role, by user name."""
    app = cdk.App()
    stack = cdk.Stack(app, "Data", env=cdk.Environment(account="111111111111", region="us-east-1"))
    key = DataKey(stack, "Key", alias="alias/test", existing_key_arn=None)
    secrets = {
        u.name: secretsmanager.Secret(stack, f"Secret-{u.name}", encryption_key=key.key)
        for u in config.database.users
        if u.auth == "secret"
    }
    access = DatabaseAccess(
        stack,
        "Access",
        config=config,
        env="prod",
        database=DatabaseIdentity(resource_id="cluster-ABC", secrets=secrets, key=key),
    )
    resources = Template.from_stack(stack).to_json()["Resources"]
    by_logical_id = {
        stack.get_logical_id(role.node.default_child): user  # type: ignore[arg-type]
        for user, role in access.roles.items()
    }
    granted: dict[str, list[dict[str, Any]]] = {user: [] for user in access.roles}
    for r in resources.values():
        if r["Type"] != "AWS::IAM::Policy":
            continue
        for ref in r["Properties"]["Roles"]:
            if ref["Ref"] in by_logical_id:
                granted[by_logical_id[ref["Ref"]]] += r["Properties"]["PolicyDocument"]["Statement"]
    return granted


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(users(secret_only=False))
def test_each_user_is_granted_only_what_its_auth_mode_needs(
    innovate: PgplatConfig, generated: list[Document]
) -> None:
    database = Database.model_validate({"users": generated})
    config = innovate.model_copy(update={"database": database})
    granted = _granted(config)
    for user in database.users:
        actions = _actions(granted[user.name])
        if user.auth == "iam":
            assert actions == {"rds-db:connect"}, user.name
        else:
            assert "rds-db:connect" not in actions, user.name
            assert actions == {
                "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret",
                "kms:Decrypt",
                "kms:DescribeKey",
            }, user.name
