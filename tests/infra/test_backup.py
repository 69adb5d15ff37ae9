"""Backups: automated backups, the AWS Backup plan with its cross-region copy, and the
restore-testing plan."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import assertions
from aws_cdk import aws_backup as backup

from pgplat.config.model import PgplatConfig, VaultLock
from pgplat.infra.app import Synthesis
from pgplat.infra.backup import lock_configuration
from tests.infra.templates import cmk_arn, only, props, resources


def test_vault_is_encrypted_with_the_cmk(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    vault = props(template, "AWS::Backup::BackupVault")
    assert vault["BackupVaultName"] == "innovate-prod"
    assert vault["EncryptionKeyArn"] == cmk_arn(template)
    assert only(template, "AWS::Backup::BackupVault")["DeletionPolicy"] == "Retain"


def test_daily_plan_with_retention_and_cross_region_copy(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    template = innovate_synth.template("innovate-prod-data")
    rule, _ = props(template, "AWS::Backup::BackupPlan")["BackupPlan"]["BackupPlanRule"]
    assert rule["RuleName"] == "Daily"
    assert rule["ScheduleExpression"] == "cron(0 10 * * ? *)"  # Sunday maintenance ends 10:00
    assert innovate.schedules("prod").aws_backup_start == "10:00"
    assert rule["StartWindowMinutes"] == 60
    assert rule["Lifecycle"] == {"DeleteAfterDays": 14}
    copy, _bunker = rule["CopyActions"]
    assert copy["Lifecycle"] == {"DeleteAfterDays": 35}
    destination = str(copy["DestinationBackupVaultArn"])
    assert ":backup:us-west-2:111111111111:backup-vault:innovate-prod-copy" in destination
    selection = props(template, "AWS::Backup::BackupSelection")["BackupSelection"]
    assert ":cluster:" in str(selection["Resources"])


def test_a_monthly_rule_keeps_its_own_retention_and_is_copied_too(
    innovate_synth: Synthesis,
) -> None:
    template = innovate_synth.template("innovate-prod-data")
    daily, monthly = props(template, "AWS::Backup::BackupPlan")["BackupPlan"]["BackupPlanRule"]
    assert monthly["RuleName"] == "Monthly"
    assert monthly["ScheduleExpression"] == "cron(0 10 1 * ? *)"  # the 1st, at the daily's time
    assert monthly["Lifecycle"] == {"DeleteAfterDays": 365}
    assert monthly["StartWindowMinutes"] == daily["StartWindowMinutes"]
    assert monthly["CopyActions"] == daily["CopyActions"]


def test_both_vaults_are_locked_within_every_retention(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    lock = innovate.environments.prod.backup.vault_lock
    assert lock is not None
    assert lock.mode == "governance"
    for stack in ("innovate-prod-data", "innovate-prod-backup-copy"):
        vault = props(innovate_synth.template(stack), "AWS::Backup::BackupVault")
        # governance mode: no ChangeableForDays, so the lock never becomes immutable
        assert vault["LockConfiguration"] == {"MinRetentionDays": 7, "MaxRetentionDays": 3650}
    dev = props(innovate_synth.template("innovate-dev-data"), "AWS::Backup::BackupVault")
    assert "LockConfiguration" not in dev


def test_copy_vault_lives_in_the_other_region_with_its_own_key(innovate_synth: Synthesis) -> None:
    info = innovate_synth.stacks["innovate-prod-backup-copy"]
    assert (info.region, info.account) == ("us-west-2", "111111111111")
    template = innovate_synth.template("innovate-prod-backup-copy")
    vault = props(template, "AWS::Backup::BackupVault")
    assert vault["BackupVaultName"] == "innovate-prod-copy"
    assert vault["EncryptionKeyArn"] == cmk_arn(template)
    key_policy = str(props(template, "AWS::KMS::Key")["KeyPolicy"])
    assert "backup.us-west-2.amazonaws.com" in key_policy


def test_restore_testing_plan_and_selection(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    plan = props(template, "AWS::Backup::RestoreTestingPlan")
    assert plan["ScheduleExpression"] == "cron(0 6 ? * SAT *)"
    assert plan["StartWindowHours"] == 8
    assert plan["RecoveryPointSelection"]["Algorithm"] == "LATEST_WITHIN_WINDOW"
    selection = props(template, "AWS::Backup::RestoreTestingSelection")
    assert selection["ProtectedResourceType"] == "Aurora"
    assert selection["RestoreTestingPlanName"] == plan["RestoreTestingPlanName"]
    overrides = selection["RestoreMetadataOverrides"]
    assert set(overrides) == {"dbsubnetgroupname", "vpcsecuritygroupids"}


def test_rds_restore_test_selects_the_instance(northwind_synth: Synthesis) -> None:
    template = northwind_synth.template("northwind-prod-data")
    selection = props(template, "AWS::Backup::RestoreTestingSelection")
    assert selection["ProtectedResourceType"] == "RDS"
    assert ":db:" in str(selection["ProtectedResourceArns"])


def test_a_derived_restore_test_follows_the_maintenance_window(
    northwind: PgplatConfig, northwind_synth: Synthesis
) -> None:
    """Northwind works Monday to Saturday and sets no schedule: the restore test starts right
    after Sunday's maintenance window (Saturday 06:00 UTC would run in business hours)."""
    schedules = northwind.schedules("prod")
    assert northwind.environments.prod.backup.restore_test is not None
    assert northwind.environments.prod.backup.restore_test.schedule is None
    plan = props(northwind_synth.template("northwind-prod-data"), "AWS::Backup::RestoreTestingPlan")
    assert plan["ScheduleExpression"] == schedules.restore_test
    assert plan["StartWindowHours"] == schedules.restore_test_start_window_hours
    assert schedules.windows.maintenance.startswith("sun:")
    assert str(schedules.restore_test).endswith("? * SUN *)")


def test_no_restore_test_or_copy_when_not_configured(innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-dev-data")
    assert resources(template, "AWS::Backup::RestoreTestingPlan") == {}
    (rule,) = props(template, "AWS::Backup::BackupPlan")["BackupPlan"]["BackupPlanRule"]
    assert rule.get("CopyActions", []) == []


def test_compliance_mode_sets_the_day_the_lock_becomes_immutable() -> None:
    stack = cdk.Stack(cdk.App(), "Locked")
    lock = VaultLock(mode="compliance", min_retention_days=30, changeable_for_days=5)
    backup.BackupVault(stack, "Vault", lock_configuration=lock_configuration(lock))
    vault = props(assertions.Template.from_stack(stack).to_json(), "AWS::Backup::BackupVault")
    assert vault["LockConfiguration"] == {"MinRetentionDays": 30, "ChangeableForDays": 5}


def test_every_rule_copies_to_the_bunker_and_the_key_lets_backup_do_it(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    bunker = innovate.environments.prod.backup.bunker_copy
    assert bunker is not None
    template = innovate_synth.template("innovate-prod-data")
    for rule in props(template, "AWS::Backup::BackupPlan")["BackupPlan"]["BackupPlanRule"]:
        copies = {str(c["DestinationBackupVaultArn"]): c["Lifecycle"] for c in rule["CopyActions"]}
        assert copies[bunker.vault_arn] == {"DeleteAfterDays": 365}
    statements = props(template, "AWS::KMS::Key")["KeyPolicy"]["Statement"]
    [grant] = [s for s in statements if s.get("Sid") == "BunkerAccountCopiesBackups"]
    assert grant["Condition"]["StringEquals"] == {
        "kms:ViaService": "backup.us-east-1.amazonaws.com",
        "aws:PrincipalOrgID": "o-innovate123",
    }
    assert "444444444444" in str(grant["Principal"])
    dev = props(innovate_synth.template("innovate-dev-data"), "AWS::KMS::Key")["KeyPolicy"]
    assert "BunkerAccountCopiesBackups" not in str(dev), "only production copies to the bunker"
