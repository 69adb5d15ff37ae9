"""The RDS proactive controls of AWS Control Tower, checked on the templates before deploy.

An organisation that turns these controls on gets CloudFormation hooks that refuse a stack
whose RDS resources break one, at deploy time, after the change set is made. With
``check.control_tower: true`` `pgplat check` reports each broken control as an error first,
with the configuration that satisfies it. Every control is satisfiable by configuration, and
pgplat's defaults satisfy every one that costs nothing (the engine's default port is the
exception: moving it is the user's call, ``environments.<env>.port``).

The controls are those of the Control Tower control reference, "Amazon RDS controls"
(CT.RDS.PR.*). Where a control's scope is "instances" it means stand-alone RDS instances:
Aurora cluster members take their storage, backups, port and logs from the cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly, Resource
from pgplat.policy.findings import Finding

INSTANCE = "AWS::RDS::DBInstance"
CLUSTER = "AWS::RDS::DBCluster"
SUBSCRIPTION = "AWS::RDS::EventSubscription"
PARAMETERS = "AWS::RDS::DBParameterGroup"
CLUSTER_PARAMETERS = "AWS::RDS::DBClusterParameterGroup"
PROXY = "AWS::RDS::DBProxy"
DEFAULT_PORT = 5432
DEFAULT_ADMINS = frozenset({"postgres", "admin"})
MIN_BACKUP_DAYS = 7
LOG_TYPES = {"postgres": {"postgresql", "upgrade"}, "aurora-postgresql": {"postgresql"}}
EVENTS = {
    "db-cluster": {"maintenance", "failure"},
    "db-instance": {"maintenance", "failure", "configuration change"},
    "db-parameter-group": {"configuration change"},
}

Check = Callable[[Mapping[str, Any]], str | None]
"""A control on one resource's properties: why it is broken, or None."""


@dataclass(frozen=True)
class Control:
    """One proactive control: its id and title, where it looks, and how to satisfy it."""

    id: str
    title: str
    types: tuple[str, ...]
    check: Check
    fix: str
    standalone_only: bool = False
    """Instances only when not Aurora cluster members."""


def _true(name: str, what: str) -> Check:
    return lambda p: None if p.get(name) in (True, "true") else f"{what} ({name} is not true)"


def _false(name: str, what: str) -> Check:
    return lambda p: None if p.get(name) not in (True, "true") else f"{what} ({name} is true)"


def _set(name: str, what: str) -> Check:
    return lambda p: None if p.get(name) else f"{what} ({name} is not set)"


def _monitoring(p: Mapping[str, Any]) -> str | None:
    if int(p.get("MonitoringInterval", 0)) > 0 and p.get("MonitoringRoleArn"):
        return None
    return "no Enhanced Monitoring (MonitoringInterval 0 or no MonitoringRoleArn)"


def _backups(p: Mapping[str, Any]) -> str | None:
    days = int(p.get("BackupRetentionPeriod", 1))
    return None if days >= MIN_BACKUP_DAYS else f"backups kept {days} days, under {MIN_BACKUP_DAYS}"


def _logs(p: Mapping[str, Any]) -> str | None:
    wanted = LOG_TYPES.get(str(p.get("Engine")), {"postgresql"})
    exported = set(p.get("EnableCloudwatchLogsExports") or [])
    missing = sorted(wanted - exported)
    return f"logs not exported to CloudWatch: {', '.join(missing)}" if missing else None


def _port(p: Mapping[str, Any]) -> str | None:
    port = int(p.get("Port", DEFAULT_PORT))
    return f"listens on the engine's default port {port}" if port == DEFAULT_PORT else None


def _admin(p: Mapping[str, Any]) -> str | None:
    name = p.get("MasterUsername")
    return f"administrator user is the default {name!r}" if name in DEFAULT_ADMINS else None


def _events(source_type: str) -> Check:
    """A subscription to ``source_type`` events carries the critical categories (all of
    them when it names none); subscriptions to other sources are another control's."""

    def check(p: Mapping[str, Any]) -> str | None:
        if p.get("SourceType") != source_type:
            return None
        if p.get("Enabled") in (False, "false"):
            return "the subscription is disabled"
        categories = set(p.get("EventCategories") or [])
        missing = sorted(EVENTS[source_type] - categories) if categories else []
        return f"critical event categories missing: {', '.join(missing)}" if missing else None

    return check


def _tls(p: Mapping[str, Any]) -> str | None:
    value = str((p.get("Parameters") or {}).get("rds.force_ssl", "0")).lower()
    return (
        None
        if value in ("1", "true")
        else "rds.force_ssl is not 1: clients may connect without TLS"
    )


_MULTI_AZ = "environments.<env>.multi_az: true (or multi_az_cluster)"
_SUBSCRIBED = "pgplat subscribes the on-call topic to them; do not edit the template"
_PORT = "environments.<env>.port: a port other than 5432 (e.g. 5433)"
CONTROLS: tuple[Control, ...] = (
    Control(
        "CT.RDS.PR.1",
        "instance is Multi-AZ",
        (INSTANCE,),
        _true("MultiAZ", "single-AZ"),
        _MULTI_AZ,
        True,
    ),
    Control(
        "CT.RDS.PR.2",
        "instance has Enhanced Monitoring",
        (INSTANCE,),
        _monitoring,
        "monitoring.enhanced_monitoring_interval: 1-60",
        True,
    ),
    Control(
        "CT.RDS.PR.3",
        "cluster has deletion protection",
        (CLUSTER,),
        _true("DeletionProtection", "deletable"),
        "environments.<env>.deletion_protection: true",
    ),
    Control(
        "CT.RDS.PR.4",
        "cluster has IAM database authentication",
        (CLUSTER,),
        _true("EnableIAMDatabaseAuthentication", "no IAM authentication"),
        "pgplat always enables it; do not edit the template",
    ),
    Control(
        "CT.RDS.PR.5",
        "instance upgrades minor versions",
        (INSTANCE,),
        lambda p: (
            None
            if p.get("AutoMinorVersionUpgrade", True) in (True, "true")
            else "automatic minor version upgrades off"
        ),
        "maintenance.auto_minor_version_upgrade: true",
        True,
    ),
    Control(
        "CT.RDS.PR.7",
        "instance has IAM database authentication",
        (INSTANCE,),
        _true("EnableIAMDatabaseAuthentication", "no IAM authentication"),
        "pgplat always enables it; do not edit the template",
        True,
    ),
    Control(
        "CT.RDS.PR.8",
        "instance keeps automatic backups 7 days or more",
        (INSTANCE,),
        _backups,
        "environments.<env>.backup.retention_days: 7 or more",
        True,
    ),
    Control(
        "CT.RDS.PR.9",
        "cluster copies tags to snapshots",
        (CLUSTER,),
        _true("CopyTagsToSnapshot", "tags not copied"),
        "pgplat always copies them; do not edit the template",
    ),
    Control(
        "CT.RDS.PR.10",
        "instance copies tags to snapshots",
        (INSTANCE,),
        _true("CopyTagsToSnapshot", "tags not copied"),
        "pgplat always copies them; do not edit the template",
        True,
    ),
    Control(
        "CT.RDS.PR.11",
        "instance is in a VPC",
        (INSTANCE,),
        _set("DBSubnetGroupName", "no VPC"),
        "pgplat always places it in its subnets",
        True,
    ),
    Control(
        "CT.RDS.PR.12",
        "cluster events reach a subscription",
        (SUBSCRIPTION,),
        _events("db-cluster"),
        _SUBSCRIBED,
    ),
    Control(
        "CT.RDS.PR.17",
        "instance events reach a subscription",
        (SUBSCRIPTION,),
        _events("db-instance"),
        _SUBSCRIBED,
    ),
    Control(
        "CT.RDS.PR.18",
        "parameter group events reach a subscription",
        (SUBSCRIPTION,),
        _events("db-parameter-group"),
        _SUBSCRIBED,
    ),
    Control(
        "CT.RDS.PR.13",
        "instance has deletion protection",
        (INSTANCE,),
        _true("DeletionProtection", "deletable"),
        "environments.<env>.deletion_protection: true",
        True,
    ),
    Control(
        "CT.RDS.PR.14",
        "instance exports its logs",
        (INSTANCE,),
        _logs,
        "pgplat exports them; do not edit the template",
        True,
    ),
    Control(
        "CT.RDS.PR.16",
        "cluster is encrypted at rest",
        (CLUSTER,),
        _true("StorageEncrypted", "not encrypted"),
        "pgplat always encrypts with the environment's key",
    ),
    Control(
        "CT.RDS.PR.20", "instance avoids the engine's default port", (INSTANCE,), _port, _PORT, True
    ),
    Control(
        "CT.RDS.PR.21",
        "cluster administrator is not a default name",
        (CLUSTER,),
        _admin,
        "database.master_username: not postgres or admin (default pgplat_admin)",
    ),
    Control(
        "CT.RDS.PR.22",
        "instance administrator is not a default name",
        (INSTANCE,),
        _admin,
        "database.master_username: not postgres or admin (default pgplat_admin)",
        True,
    ),
    Control(
        "CT.RDS.PR.23",
        "instance is not public",
        (INSTANCE,),
        _false("PubliclyAccessible", "publicly accessible"),
        "pgplat never makes it public; do not edit the template",
    ),
    Control(
        "CT.RDS.PR.24",
        "instance is encrypted at rest",
        (INSTANCE,),
        _true("StorageEncrypted", "not encrypted"),
        "pgplat always encrypts with the environment's key",
        True,
    ),
    Control(
        "CT.RDS.PR.25",
        "cluster exports its logs",
        (CLUSTER,),
        _logs,
        "pgplat exports them; do not edit the template",
    ),
    Control(
        "CT.RDS.PR.26",
        "proxy requires TLS",
        (PROXY,),
        _true("RequireTLS", "TLS not required"),
        "require TLS on the proxy",
    ),
    Control(
        "CT.RDS.PR.27",
        "cluster parameter group requires TLS",
        (CLUSTER_PARAMETERS,),
        _tls,
        "pgplat sets rds.force_ssl: 1; do not override it in parameters",
    ),
    Control(
        "CT.RDS.PR.28",
        "parameter group requires TLS",
        (PARAMETERS,),
        _tls,
        "pgplat sets rds.force_ssl: 1; do not override it in parameters",
    ),
    Control(
        "CT.RDS.PR.30",
        "instance is encrypted with a key you specify",
        (INSTANCE,),
        _set("KmsKeyId", "AWS-managed key"),
        "pgplat always uses the environment's key (kms_key_arn or a new one)",
        True,
    ),
)


def _applies(control: Control, resource: Resource) -> bool:
    if resource.type not in control.types:
        return False
    props = resource.properties
    if resource.type == INSTANCE and control.standalone_only:
        return "DBClusterIdentifier" not in props
    if resource.type == PARAMETERS:
        return str(props.get("Family", "")).startswith("postgres")
    return True


def _resources(assembly: Assembly) -> Iterator[Resource]:
    for stack in assembly.stacks:
        yield from stack.resources


def control_tower_findings(assembly: Assembly, config: PgplatConfig) -> list[Finding]:
    """Each broken control on each resource, when ``check.control_tower`` asks for them."""
    if not config.check.control_tower:
        return []
    findings = []
    for resource in _resources(assembly):
        for control in CONTROLS:
            if _applies(control, resource) and (why := control.check(resource.properties)):
                findings.append(
                    Finding(
                        rule_id=control.id,
                        severity="error",
                        title=f"Control Tower: {control.title}",
                        message=why,
                        fix=control.fix,
                        environment=resource.environment,
                        stack=resource.stack,
                        logical_id=resource.logical_id,
                    )
                )
    return findings
