"""The data stack of one environment: key, network, database, credentials, backups, monitoring.

Its public attributes are the handles other stacks build on (connectivity and access stacks,
restore validation): ``key``, ``vpc``, ``subnets``, ``route_table_ids``, ``db_security_group``,
``database`` (a :class:`PostgresDatabase`) and ``secrets`` (application-user secrets by user).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from pgplat import naming
from pgplat.config.model import PgplatConfig, Proxy
from pgplat.errors import UserError
from pgplat.infra.backup import DatabaseBackup
from pgplat.infra.credentials import UserSecrets
from pgplat.infra.database import DatabaseProps, PostgresDatabase
from pgplat.infra.encryption import DataKey
from pgplat.infra.helper_functions import HelperFunctions
from pgplat.infra.monitoring import DatabaseMonitoring
from pgplat.infra.network import IsolatedNetwork
from pgplat.infra.parameters import effective_parameters
from pgplat.infra.proxy import DatabaseProxy
from pgplat.infra.restore_validation import RestoreValidation
from pgplat.infra.retention import log_retention


class DataStack(Stack):
    """Everything the database of ``env_name`` needs, in that environment's data account."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PgplatConfig,
        env_name: str,
        copy_vault_arn: str | None = None,
        base_dir: Path = Path(),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        settings = config.environments.cloud()[env_name]
        _check_iam_supported(config, env_name)
        prefix = naming.env_prefix(config, env_name)
        zones = settings.network.zones(config.availability_zones)
        self.config = config
        self.env_name = env_name
        self.base_dir = base_dir
        """What relative paths in the configuration (``restore_test.ca_bundle``) start from."""
        self.prefix = prefix

        self.data_key = DataKey(
            self, "DataKey", alias=f"alias/{prefix}", existing_key_arn=settings.kms_key_arn
        )
        self.key = self.data_key.key
        bunker, organization = settings.backup.bunker_copy, config.accounts.organization_id
        if bunker is not None and organization is not None:  # validation asks for both
            self.data_key.allow_bunker_copy(bunker.account, organization)
        self.network = IsolatedNetwork(
            self,
            "Network",
            name=prefix,
            cidr=settings.network.vpc_cidr,
            availability_zones=zones,
            client_cidrs=settings.network.app_cidrs,
            port=settings.port,
            key=self.key,
            flow_log_retention=log_retention(settings.monitoring.log_retention_days),
            existing=settings.network.existing_vpc,
        )
        self.vpc = self.network.vpc
        self.subnets = self.network.subnets
        self.route_table_ids = self.network.route_table_ids
        self.db_security_group = self.network.db_security_group

        windows = config.maintenance.windows
        self.database = PostgresDatabase(
            self,
            "Database",
            props=DatabaseProps(
                identifier=naming.database_identifier(config, env_name),
                settings=settings,
                engine_version=config.engine_version(env_name),
                database_name=config.database.name,
                parameters=effective_parameters(
                    settings.parameters, pgaudit_classes=config.audit.pgaudit_classes
                ),
                backup_window=windows.backup,
                maintenance_window=windows.maintenance,
                auto_minor_version_upgrade=config.maintenance.auto_minor_version_upgrade,
                availability_zones=zones,
            ),
            network=self.network,
            key=self.key,
        )
        self.user_secrets = UserSecrets(
            self,
            "UserSecrets",
            owner=naming.secret_prefix(config, env_name),
            secret_names={
                u.name: naming.user_secret_name(config, env_name, u.name)
                for u in config.database.users
                if u.auth == "secret"
            },
            key=self.key,
            master_secret=self.database.master_secret,
            target=self.database.attachment_target,
            network=self.network,
            vpc_cidr=settings.network.vpc_cidr,
            port=settings.port,
            rotation_days=settings.secret_rotation_days,
        )
        self.secrets: dict[str, secretsmanager.ISecret] = self.user_secrets.by_user
        self.backup = DatabaseBackup(
            self,
            "Backup",
            prefix=prefix,
            settings=settings.backup,
            schedules=config.schedules(env_name),
            database=self.database,
            key=self.key,
            copy_vault_arn=copy_vault_arn,
        )
        self.proxy = self._proxy(settings.proxy, settings.network.app_cidrs)
        self.monitoring = DatabaseMonitoring(
            self, "Monitoring", database=self.database, key=self.key
        )
        self.restore_validation = RestoreValidation(self, "RestoreValidation", data=self)
        self.helper_functions = HelperFunctions(
            self,
            "HelperFunctions",
            key=self.key,
            retention=log_retention(settings.monitoring.log_retention_days),
            tags=config.tags_of(env_name),
        )
        self._outputs()

    def _proxy(self, settings: Proxy | None, client_cidrs: list[str]) -> DatabaseProxy | None:
        """The RDS Proxy when ``environments.<env>.proxy`` asks for one, for the IAM users."""
        if settings is None:
            return None
        iam_users = [u.name for u in self.config.database.users if u.auth == "iam"]
        if not iam_users:
            raise UserError(
                f"environments.{self.env_name}.proxy: the proxy authenticates with IAM and no "
                "database user has auth: iam; give a user auth: iam or remove proxy"
            )
        return DatabaseProxy(
            self,
            "Proxy",
            name=self.prefix,
            settings=settings,
            database=self.database,
            network=self.network,
            client_cidrs=client_cidrs,
            iam_users=iam_users,
        )

    def _outputs(self) -> None:
        """What the access stacks and the tools read back, exported under the stack's name."""
        database = self.database
        values = {
            "WriterEndpoint": database.writer_endpoint,
            "ReaderEndpoint": database.reader_endpoint,
            "Port": str(database.port),
            "ResourceId": database.resource_id,
            "MasterSecretArn": database.master_secret.secret_arn,
            "KmsKeyArn": self.key.key_arn,
            "SecurityGroupId": self.db_security_group.security_group_id,
            **{
                f"{naming.pascal(user)}SecretArn": secret.secret_arn
                for user, secret in self.secrets.items()
            },
        }
        if self.proxy is not None:
            values["ProxyEndpoint"] = self.proxy.endpoint
            values["ProxyReaderEndpoint"] = self.proxy.reader_endpoint
        for name, value in values.items():
            CfnOutput(self, name, value=value, export_name=f"{self.stack_name}-{name}")


def _check_iam_supported(config: PgplatConfig, env_name: str) -> None:
    """RDS Multi-AZ DB clusters do not offer IAM database authentication."""
    if not config.environments.cloud()[env_name].multi_az_cluster:
        return
    iam_users = [u.name for u in config.database.users if u.auth == "iam"]
    if iam_users:
        raise UserError(
            f"environments.{env_name}.multi_az_cluster: a Multi-AZ DB cluster has no IAM "
            f"database authentication, but {', '.join(iam_users)} use auth: iam; set their "
            "auth to secret or use multi_az instead"
        )
