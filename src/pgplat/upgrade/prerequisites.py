"""Prerequisites of a Blue/Green major upgrade that the configuration alone answers.

A major upgrade through a Blue/Green deployment replicates logically from blue to green, so
blue needs logical replication on (a static parameter: one reboot, best taken in the
maintenance window), a source minor AWS accepts, and a schema that stays still until the
switchover. What the data itself must satisfy is checked by :mod:`pgplat.upgrade.inspection`.
"""

from __future__ import annotations

from pgplat.config.calendar import CALENDAR
from pgplat.config.model import PgplatConfig
from pgplat.config.types import parse_engine_version
from pgplat.naming import database_identifier, parameter_group_name
from pgplat.upgrade.findings import Prerequisite, ok
from pgplat.upgrade.targets import UpgradePath

LOGICAL_REPLICATION = "rds.logical_replication"


def path_prerequisites(path: UpgradePath, flavor: str) -> list[Prerequisite]:
    """The target is a later major the flavor offers, one step away, from a minor AWS takes."""
    source_major, source_minor = path.source
    found: list[Prerequisite] = []
    if path.target_major <= source_major:
        found.append(
            Prerequisite(
                "target-major",
                "blocker",
                f"PostgreSQL {path.target_major} is not later than {source_major}",
                "name a later major with --to",
            )
        )
    elif not path.direct:
        offered = ", ".join(map(str, path.offered)) or "none"
        found.append(
            Prerequisite(
                "target-major",
                "blocker",
                f"{flavor} does not offer an upgrade from {source_major} to {path.target_major} "
                f"under standard support (offered: {offered})",
                f"choose one of {offered}",
            )
        )
    else:
        found.append(ok("target-major", f"{source_major} -> {path.target_major} in one step"))
    if not path.minor_high_enough:
        minimum = f"{source_major}.{path.blue_green_minimum}"
        shown = f"{source_major}.{source_minor}" if source_minor is not None else str(source_major)
        found.append(
            Prerequisite(
                "source-minor",
                "blocker",
                f"Blue/Green upgrades a major only from {minimum} or later; the source is {shown}",
                f"set engine_version to '{minimum}' or later, deploy it, then plan again",
            )
        )
    else:
        found.append(ok("source-minor", "the source minor supports a Blue/Green major upgrade"))
    return found


def configuration_prerequisites(
    config: PgplatConfig, env_name: str, to_major: int
) -> list[Prerequisite]:
    """What the environment's configuration must say before the Blue/Green starts."""
    env = config.environments.cloud()[env_name]
    at = f"environments.{env_name}"
    found: list[Prerequisite] = []
    if str(env.parameters.get(LOGICAL_REPLICATION, "0")) not in ("1", "on"):
        found.append(
            Prerequisite(
                "logical-replication",
                "blocker",
                f"{LOGICAL_REPLICATION} is off in {at}'s parameter group; Blue/Green "
                "replicates a major upgrade logically",
                f"add `{LOGICAL_REPLICATION}: 1` under {at}.parameters and deploy it; the "
                "parameter is static, so the writer reboots once (do it in the maintenance "
                "window)",
            )
        )
    else:
        found.append(ok("logical-replication", f"{LOGICAL_REPLICATION} is on"))
    found.append(_target_parameter_group(config, env_name, to_major))
    found.append(
        Prerequisite(
            "managed-master-password",
            "note",
            "the master password is RDS-managed, which Blue/Green does not support; "
            "`pgplat upgrade run` moves the master to a password of its own, kept in a "
            "Secrets Manager secret under the environment's key for the upgrade only, and "
            "hands it back to RDS management after the switchover",
        )
    )
    found.append(
        Prerequisite(
            "ddl-freeze",
            "note",
            "logical replication carries no DDL: from the creation of the Blue/Green "
            "deployment to the switchover, run no migrations (CREATE/ALTER/DROP)",
            "pause the migration jobs of every workload that uses this database",
        )
    )
    return found


def _target_parameter_group(config: PgplatConfig, env_name: str, to_major: int) -> Prerequisite:
    """Green needs the target major's parameter group, which pgplat's synthesis declares."""
    at = f"environments.{env_name}"
    group = parameter_group_name(database_identifier(config, env_name), to_major)
    if config.environments.cloud()[env_name].upgrade_to != to_major:
        return Prerequisite(
            "target-parameter-group",
            "blocker",
            f"green needs the parameter group {group}, which the synthesis declares only when "
            f"{at}.upgrade_to is {to_major}",
            f"set `upgrade_to: {to_major}` under {at} and `pgplat deploy --env {env_name}`",
        )
    return ok("target-parameter-group", f"{group} is declared (`upgrade run` checks it exists)")


def support_prerequisite(config: PgplatConfig, env_name: str, to_major: int) -> Prerequisite:
    """The target itself must stay under standard support for a while to be worth it."""
    env = config.environments.cloud()[env_name]
    support = CALENDAR.get(to_major)
    end = support.standard_support_end(env.flavor) if support else None
    if end is None:
        return Prerequisite(
            "target-support",
            "blocker",
            f"PostgreSQL {to_major} is not in pgplat's support calendar for {env.flavor}",
            "choose a major the flavor offers",
        )
    return ok("target-support", f"PostgreSQL {to_major} has standard support until {end}")


def source_version(config: PgplatConfig, env_name: str) -> tuple[int, int | None]:
    """The environment's configured (major, minor)."""
    return parse_engine_version(config.engine_version(env_name))
