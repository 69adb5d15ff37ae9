"""Data-account side of the identity chain: one IAM role per database user.

Each role gets only what its user's auth mode needs: for ``auth: iam`` connecting as its own
database user (``rds-db:connect`` on exactly ``dbuser:<resource-id>/<user>``, and on
``dbuser:<proxy id>/<user>`` when an RDS Proxy fronts the database), for
``auth: secret`` reading that user's secret and decrypting it through Secrets Manager. It is trusted by one principal: the matching workload role
in the app account. The trust names the app account with an ``aws:PrincipalArn`` condition
rather than the role ARN itself, because IAM rejects a trust policy whose principal does not
exist yet and the data account deploys before the app account; the condition also survives a
re-created workload role, which a direct role principal does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from pgplat.config.model import DatabaseUser, PgplatConfig
from pgplat.infra.access_names import AccessNames


class SecretKey(Protocol):
    """The data key, able to let a principal decrypt secrets through Secrets Manager only.

    ``pgplat.infra.encryption.DataKey`` is one: it writes the key-policy statement when it owns
    the key and the matching identity-policy statement either way.
    """

    def grant_secret_read(self, grantee: iam.IGrantable) -> None: ...


@dataclass(frozen=True)
class DatabaseIdentity:
    """What the roles need from the database stack (all in the data account)."""

    resource_id: str
    """Cluster (Aurora ``DBClusterResourceId``) or instance (``DbiResourceId``) resource id."""
    secrets: Mapping[str, secretsmanager.ISecret]
    """Password secret of every ``auth: secret`` user, by user name."""
    key: SecretKey
    """The key the secrets are encrypted with."""
    proxy_resource_id: str | None = None
    """The RDS Proxy's ``prx-…`` id when one fronts the database: ``auth: iam`` users may
    connect through it too."""


def db_user_arn(scope: Construct, resource_id: str, user: str) -> str:
    """``rds-db:connect`` resource of ``user`` on the database or proxy ``resource_id``."""
    return Stack.of(scope).format_arn(
        service="rds-db",
        resource="dbuser",
        resource_name=f"{resource_id}/{user}",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def trust_from_app_account(names: AccessNames, principal_arn: str) -> iam.PrincipalBase:
    """Trust exactly ``principal_arn`` in the app account (and only inside the organisation)."""
    conditions: dict[str, dict[str, str]] = {"ArnEquals": {"aws:PrincipalArn": principal_arn}}
    org = names.config.accounts.organization_id
    if org is not None:
        conditions["StringEquals"] = {"aws:PrincipalOrgID": org}
    return iam.AccountPrincipal(names.app_account).with_conditions(conditions)


class DatabaseUserRole(Construct):
    """The data-account role a workload assumes to connect as one database user."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: AccessNames,
        user: DatabaseUser,
        database: DatabaseIdentity,
    ) -> None:
        super().__init__(scope, id)
        self.role = iam.Role(
            self,
            "Role",
            role_name=names.data_role_name(user),
            description=f"Connect to the {names.env} database as {user.name}",
            assumed_by=trust_from_app_account(names, names.workload_role_arn(user)),
        )
        if user.auth == "iam":
            through = [database.resource_id, *filter(None, [database.proxy_resource_id])]
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=["rds-db:connect"],
                    resources=[db_user_arn(self, rid, user.name) for rid in through],
                )
            )
        else:
            self._allow_secret(database.secrets[user.name], database.key)

    def _allow_secret(self, secret: secretsmanager.ISecret, key: SecretKey) -> None:
        """Read this user's secret, and decrypt it only through Secrets Manager."""
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resources=[secret.secret_arn],
            )
        )
        key.grant_secret_read(self.role)


class DatabaseAccess(Construct):
    """One :class:`DatabaseUserRole` per configured database user."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: PgplatConfig,
        env: str,
        database: DatabaseIdentity,
    ) -> None:
        super().__init__(scope, id)
        names = AccessNames(config, env)
        self.roles: dict[str, iam.Role] = {
            user.name: DatabaseUserRole(
                self, f"User-{user.name}", names=names, user=user, database=database
            ).role
            for user in config.database.users
        }
