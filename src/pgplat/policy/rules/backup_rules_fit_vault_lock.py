"""Every backup rule and copy into a vault under Vault Lock keeps its recovery points within
the lock's bounds: AWS Backup fails a job whose retention is outside them, so a plan that
deploys cleanly would silently stop backing up."""

from __future__ import annotations

from typing import Any

from pgplat.policy.assembly import Resource
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, verdict

VAULT = "AWS::Backup::BackupVault"
_FOREVER = None


def _vaults(context: Context) -> dict[str, dict[str, Any]]:
    """Every vault of the assembly's environment by name, with its lock (or ``{}``)."""
    found: dict[str, dict[str, Any]] = {}
    for stack in context.assembly.environment(context.environment):
        for resource in stack.resources:
            name = resource.properties.get("BackupVaultName")
            if resource.type == VAULT and isinstance(name, str):
                found[name] = resource.properties.get("LockConfiguration") or {}
    return found


def _target(context: Context, value: Any) -> str | None:
    """The name of the vault a rule's ``TargetBackupVault`` names (a Ref or a literal)."""
    vault = context.resolve(value)
    if vault is not None:
        name = vault.properties.get("BackupVaultName")
        return name if isinstance(name, str) else None
    return value if isinstance(value, str) else None


def _arn_vault(arn: Any) -> str | None:
    """The vault name at the end of a destination ARN (a string or an ``Fn::Join``)."""
    if isinstance(arn, dict) and "Fn::Join" in arn:
        arn = "".join(part for part in arn["Fn::Join"][1] if isinstance(part, str))
    if not isinstance(arn, str) or ":backup-vault:" not in arn:
        return None
    return arn.rsplit(":backup-vault:", 1)[1]


def _outside(lock: dict[str, Any], lifecycle: Any) -> str | None:
    """Why a retention breaks ``lock``, else None."""
    days = lifecycle.get("DeleteAfterDays") if isinstance(lifecycle, dict) else _FOREVER
    low, high = lock.get("MinRetentionDays"), lock.get("MaxRetentionDays")
    if days is _FOREVER:
        return f"keeps recovery points forever, above the lock's {high} days" if high else None
    if isinstance(low, int) and days < low:
        return f"keeps recovery points {days} days, below the lock's minimum of {low}"
    if isinstance(high, int) and days > high:
        return f"keeps recovery points {days} days, above the lock's maximum of {high}"
    return None


def backup_rules_fit_vault_lock(resource: Resource, context: Context) -> Verdict:
    locks = _vaults(context)
    if not any(locks.values()):
        return NOT_APPLICABLE
    problems: list[str] = []
    plan = resource.properties.get("BackupPlan", {})
    for rule in plan.get("BackupPlanRule", []):
        name = rule.get("RuleName", "?")
        target = _target(context, rule.get("TargetBackupVault"))
        if target in locks and (why := _outside(locks[target], rule.get("Lifecycle"))):
            problems.append(f"rule {name} {why} (vault {target})")
        for copy in rule.get("CopyActions", []):
            destination = _arn_vault(copy.get("DestinationBackupVaultArn"))
            if destination in locks and (
                why := _outside(locks[destination], copy.get("Lifecycle"))
            ):
                problems.append(f"rule {name}'s copy {why} (vault {destination})")
    return verdict(not problems, "; ".join(problems))
