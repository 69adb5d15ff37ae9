"""AWS Backup for the database: a daily plan (and any weekly or monthly rules) into a
CMK-encrypted vault, an optional copy to another region, Vault Lock on both vaults when asked,
a copy to the organisation's backup account (a "bunker") when asked, and a scheduled
restore test that proves the backups restore.

The copy's destination vault lives in the other region, so its key must live there too: a
KMS key cannot encrypt in another region. :class:`BackupCopyStack` is a small stack deployed
to the destination region of the same account holding that key and vault; the data stack
names the vault by its deterministic ARN (no cross-region references, no lookups) and is
deployed after it.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_backup as backup
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from constructs import Construct

from pgplat.config.model import Backup as BackupSettings
from pgplat.config.model import BackupRule, VaultLock
from pgplat.config.windows import AWS_BACKUP_START_MINUTES, RESTORE_VALIDATION_HOURS, Schedules
from pgplat.infra.database import PostgresDatabase
from pgplat.infra.encryption import DataKey
from pgplat.infra.roles import service_role

_RESTORE_TEST_SELECTION_DAYS = 7


def copy_vault_name(prefix: str) -> str:
    return f"{prefix}-copy"


def vault_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:backup:{region}:{account}:backup-vault:{name}"


def lock_configuration(lock: VaultLock | None) -> backup.LockConfiguration | None:
    """Vault Lock's bounds; ``changeable_for`` (compliance mode) makes it immutable after."""
    if lock is None:
        return None
    return backup.LockConfiguration(
        min_retention=Duration.days(lock.min_retention_days),
        max_retention=Duration.days(lock.max_retention_days) if lock.max_retention_days else None,
        changeable_for=Duration.days(lock.changeable_for_days)
        if lock.mode == "compliance"
        else None,
    )


def _rule_schedule(rule: BackupRule, hour: str, minute: str) -> events.Schedule:
    """Sundays or the 1st of the month, at the daily backup's start time."""
    if rule.every == "week":
        return events.Schedule.cron(hour=hour, minute=minute, week_day="SUN")
    return events.Schedule.cron(hour=hour, minute=minute, day="1")


class BackupCopyStack(Stack):
    """The destination of the cross-region copy: its own key and vault in the other region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        lock: VaultLock | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.key = DataKey(self, "Key", alias=f"alias/{prefix}-backup-copy", existing_key_arn=None)
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=copy_vault_name(prefix),
            encryption_key=self.key.key,
            removal_policy=RemovalPolicy.RETAIN,
            lock_configuration=lock_configuration(lock),
        )


class DatabaseBackup(Construct):
    """Vault, daily plan with optional cross-region copy, and the restore-testing plan."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        settings: BackupSettings,
        schedules: Schedules,
        database: PostgresDatabase,
        key: kms.IKey,
        copy_vault_arn: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=prefix,
            encryption_key=key,
            removal_policy=RemovalPolicy.RETAIN,
            lock_configuration=lock_configuration(settings.vault_lock),
        )
        copy_actions = []
        if copy_vault_arn is not None and settings.cross_region_copy is not None:
            copy_actions.append(
                backup.BackupPlanCopyActionProps(
                    destination_backup_vault=backup.BackupVault.from_backup_vault_arn(
                        self, "CopyVault", copy_vault_arn
                    ),
                    delete_after=Duration.days(settings.cross_region_copy.retention_days),
                )
            )
        if settings.bunker_copy is not None:
            copy_actions.append(
                backup.BackupPlanCopyActionProps(
                    destination_backup_vault=backup.BackupVault.from_backup_vault_arn(
                        self, "BunkerVault", settings.bunker_copy.vault_arn
                    ),
                    delete_after=Duration.days(settings.bunker_copy.retention_days),
                )
            )
        hour, minute = (str(int(part)) for part in schedules.aws_backup_start.split(":"))
        self.plan = backup.BackupPlan(
            self, "Plan", backup_plan_name=prefix, backup_vault=self.vault
        )
        rules = [("Daily", events.Schedule.cron(hour=hour, minute=minute), settings.retention_days)]
        rules += [
            (r.name, _rule_schedule(r, hour, minute), r.retention_days) for r in settings.rules
        ]
        for name, schedule, retention_days in rules:
            self.plan.add_rule(
                backup.BackupPlanRule(
                    rule_name=name,
                    schedule_expression=schedule,
                    start_window=Duration.minutes(AWS_BACKUP_START_MINUTES),
                    completion_window=Duration.hours(8),
                    delete_after=Duration.days(retention_days),
                    copy_actions=copy_actions,
                )
            )
        self.plan.add_selection(
            "Database", resources=[backup.BackupResource.from_arn(database.arn)]
        )
        self.restore_testing_plan: backup.CfnRestoreTestingPlan | None = None
        if schedules.restore_test is not None:
            self._restore_test(prefix, schedules, database)

    def _restore_test(self, prefix: str, schedules: Schedules, database: PostgresDatabase) -> None:
        assert schedules.restore_test is not None
        plan_name = prefix.replace("-", "_") + "_restore_test"
        self.restore_testing_plan = backup.CfnRestoreTestingPlan(
            self,
            "RestoreTestingPlan",
            restore_testing_plan_name=plan_name,
            schedule_expression=schedules.restore_test,
            start_window_hours=schedules.restore_test_start_window_hours,
            recovery_point_selection=backup.CfnRestoreTestingPlan.RestoreTestingRecoveryPointSelectionProperty(
                algorithm="LATEST_WITHIN_WINDOW",
                include_vaults=[self.vault.backup_vault_arn],
                recovery_point_types=["SNAPSHOT"],
                selection_window_days=_RESTORE_TEST_SELECTION_DAYS,
            ),
        )
        role = service_role(
            self,
            "RestoreTestingRole",
            service="backup.amazonaws.com",
            managed_policy="service-role/AWSBackupServiceRolePolicyForRestores",
            description=f"AWS Backup restore tests of {prefix}",
        )
        stack = Stack.of(self)
        selection = backup.CfnRestoreTestingSelection(
            self,
            "RestoreTestingSelection",
            restore_testing_plan_name=plan_name,
            restore_testing_selection_name="database",
            protected_resource_type="Aurora" if database.props.shape == "aurora" else "RDS",
            protected_resource_arns=[database.arn],
            iam_role_arn=role.role_arn,
            validation_window_hours=RESTORE_VALIDATION_HOURS,
            restore_metadata_overrides={
                "dbsubnetgroupname": database.subnet_group_name,
                "vpcsecuritygroupids": stack.to_json_string(
                    [database.security_group.security_group_id]
                ),
            },
        )
        selection.node.add_dependency(self.restore_testing_plan)
