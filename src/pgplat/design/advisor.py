"""RDS or Aurora? The plan's rules as an advisor, with a monthly cost for each option.

The plan: use Aurora for high read traffic, auto-scaling needs or fast failover; use standard
RDS for light or medium workloads where cost and simplicity come first. Each rule below is
a pure function from a workload profile to a verdict that explains itself either way, and
every estimate is itemised so the arithmetic can be checked by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pgplat.config.model import CloudEnvironment
from pgplat.design.extended_support import instance_vcpus
from pgplat.design.prices import InstanceSpec, PriceTable, RegionPrices

Option = Literal["rds-multi-az", "aurora-standard", "aurora-io-optimized", "aurora-serverless-v2"]

# The rules' thresholds.
HIGH_READS_PER_SECOND = 5000.0
READ_HEAVY_READS_PER_SECOND = 1000.0
READ_HEAVY_RATIO = 4.0
SPIKY_PEAK_TO_AVERAGE = 3.0
RDS_MULTI_AZ_SLA_PERCENT = 99.95
RDS_MAX_STORAGE_GIB = 65536.0

# The cost model's assumptions; ASSUMPTIONS below says each in words.
HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
READS_PER_VCPU = 2000.0
WRITES_PER_VCPU = 500.0
TARGET_CPU = 0.6
BYTES_PER_CONNECTION = 9_531_392
"""RDS for PostgreSQL's default max_connections is instance memory / 9,531,392 bytes."""
CONNECTION_HEADROOM = 0.8
RDS_STORAGE_FILL = 0.8
STORAGE_IOS_PER_READ = 0.1
STORAGE_IOS_PER_WRITE = 1.0
CHANGED_BYTES_PER_WRITE = 1024
AURORA_INSTANCES = 2
VCPU_PER_ACU = 0.25
GIB_PER_ACU = 2.0
MIN_ACU = 0.5
GIB = 2**30

ASSUMPTIONS = (
    f"on-demand prices, {HOURS_PER_MONTH} hours a month, no reserved instances, no data transfer",
    f"one vCPU serves {READS_PER_VCPU:,.0f} reads/s or {WRITES_PER_VCPU:,.0f} writes/s; "
    f"instances are sized so the peak runs at {TARGET_CPU:.0%} CPU",
    f"each connection needs {BYTES_PER_CONNECTION:,} bytes of instance memory (RDS's default "
    f"max_connections formula) and connections stay under {CONNECTION_HEADROOM:.0%} of it",
    "RDS uses db.m6g (general purpose) and Aurora db.r6g (memory optimised, the smallest "
    "family it offers for production); burstable classes are left out for production",
    f"Aurora runs a writer and one reader of the same class ({AURORA_INSTANCES} instances), "
    "so the reader can take the whole load after a failover, like RDS's standby",
    f"Serverless v2 runs {AURORA_INSTANCES} instances at the average load: one ACU is "
    f"{GIB_PER_ACU:g} GiB and {VCPU_PER_ACU:g} vCPU, at least {MIN_ACU:g} ACU, "
    "rounded up to half ACUs",
    f"Aurora bills {STORAGE_IOS_PER_READ:g} storage I/O per read (a 90% buffer cache hit rate) "
    f"and {STORAGE_IOS_PER_WRITE:g} per write; I/O-Optimized bills none",
    "storage is priced at its size after the growth horizon; RDS allocates gp3 so data fills "
    f"{RDS_STORAGE_FILL:.0%} of it and its included baseline IOPS suffice",
    f"backups change {CHANGED_BYTES_PER_WRITE} bytes per write each day; backup storage up to "
    "the database's size is free, the rest is billed for the retention period",
)


class WorkloadProfile(BaseModel):
    """What the database has to carry. Rates are averages; peak_to_average gives the peaks.
    Each field is named as its `pgplat advise` flag, and so is its key in a profile file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reads: float = Field(ge=0, description="Average read queries per second.")
    writes: float = Field(ge=0, description="Average write statements per second.")
    data_gib: float = Field(gt=0, description="Data size today, GiB.")
    growth_gib: float = Field(default=0, ge=0, description="Data growth, GiB per month.")
    connections: int = Field(default=100, ge=1, description="Peak concurrent connections.")
    availability: float = Field(
        default=99.95, ge=90, lt=100, description="Monthly availability target, percent."
    )
    read_heavy: bool | None = Field(
        default=None,
        description=f"Mostly reads; when omitted, reads >= {READ_HEAVY_RATIO:g} x writes.",
    )
    peak_to_average: float = Field(
        default=1.5,
        ge=1,
        description=f"Peak load over average load; {SPIKY_PEAK_TO_AVERAGE:g} or more is spiky.",
    )
    horizon_months: int = Field(
        default=12, ge=0, le=60, description="Storage is priced at its size after this long."
    )

    @property
    def is_read_heavy(self) -> bool:
        if self.read_heavy is not None:
            return self.read_heavy
        return self.reads >= READ_HEAVY_RATIO * self.writes

    @property
    def stored_gib(self) -> float:
        return self.data_gib + self.growth_gib * self.horizon_months


# --- the plan's rules -----------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    rule: str
    favours_aurora: bool
    reason: str

    @classmethod
    def of(cls, rule: str, favours_aurora: bool, for_aurora: str, for_rds: str) -> Verdict:
        """The rule's verdict, with the reason for the side it came down on."""
        return cls(rule, favours_aurora, for_aurora if favours_aurora else for_rds)


def high_read_traffic(p: WorkloadProfile) -> Verdict:
    """Aurora when reads outgrow one instance: up to 15 replicas share one storage volume."""
    reads = f"{p.reads:,.0f} reads/s"
    if p.reads >= HIGH_READS_PER_SECOND:
        why = f"{reads} is high read traffic (>= {HIGH_READS_PER_SECOND:,.0f}/s)"
    elif p.is_read_heavy and p.reads >= READ_HEAVY_READS_PER_SECOND:
        why = f"{reads} on a read-heavy workload (>= {READ_HEAVY_READS_PER_SECOND:,.0f}/s)"
    else:
        why = ""
    return Verdict.of(
        "high-read-traffic",
        bool(why),
        f"{why}: Aurora replicas behind the reader endpoint scale reads out and share storage",
        f"{reads} is light/medium read traffic (below {HIGH_READS_PER_SECOND:,.0f}/s, "
        f"or {READ_HEAVY_READS_PER_SECOND:,.0f}/s when read-heavy)",
    )


def auto_scaling(p: WorkloadProfile) -> Verdict:
    """Aurora when load is spiky: Serverless v2 and replica auto scaling follow the load."""
    ratio = f"peak is {p.peak_to_average:g}x the average"
    return Verdict.of(
        "auto-scaling",
        p.peak_to_average >= SPIKY_PEAK_TO_AVERAGE,
        f"{ratio} (>= {SPIKY_PEAK_TO_AVERAGE:g}x): Aurora Serverless v2 scales capacity "
        "with the load instead of paying for the peak all month",
        f"{ratio} (below {SPIKY_PEAK_TO_AVERAGE:g}x): fixed capacity suffices",
    )


def fast_failover(p: WorkloadProfile) -> Verdict:
    """Aurora when availability must beat RDS Multi-AZ's SLA: it fails over in about 30 s."""
    target = f"availability target {p.availability:g}%"
    return Verdict.of(
        "fast-failover",
        p.availability > RDS_MULTI_AZ_SLA_PERCENT,
        f"{target} is above RDS Multi-AZ's {RDS_MULTI_AZ_SLA_PERCENT:g}% SLA: Aurora "
        "promotes a replica in about 30 s (RDS Multi-AZ takes 60-120 s)",
        f"{target} is met by RDS Multi-AZ (SLA {RDS_MULTI_AZ_SLA_PERCENT:g}%)",
    )


def storage_limit(p: WorkloadProfile) -> Verdict:
    """Aurora when data outgrows RDS's 64 TiB volume; Aurora grows to 128 TiB by itself."""
    size = f"{p.stored_gib:,.0f} GiB after {p.horizon_months} months"
    return Verdict.of(
        "storage-limit",
        p.stored_gib > RDS_MAX_STORAGE_GIB,
        f"{size} exceeds RDS's {RDS_MAX_STORAGE_GIB:,.0f} GiB; Aurora grows to 128 TiB",
        f"{size} fits RDS storage (up to 64 TiB)",
    )


RULES: tuple[Callable[[WorkloadProfile], Verdict], ...] = (
    high_read_traffic,
    auto_scaling,
    fast_failover,
    storage_limit,
)


# --- the cost model ---------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float


@dataclass(frozen=True)
class Estimate:
    option: Option
    instance_class: str
    lines: tuple[CostLine, ...]
    notes: tuple[str, ...] = ()

    @property
    def monthly(self) -> float:
        return round(sum(line.monthly for line in self.lines), 2)


def _line(item: str, quantity: float, unit: str, unit_price: float) -> CostLine:
    quantity = round(quantity, 4)
    return CostLine(item, quantity, unit, unit_price, round(quantity * unit_price, 2))


def peak_vcpu(p: WorkloadProfile) -> float:
    return _vcpu(p) * p.peak_to_average


def _vcpu(p: WorkloadProfile) -> float:
    load = p.reads / READS_PER_VCPU + p.writes / WRITES_PER_VCPU
    return load / TARGET_CPU


def connection_memory_gib(p: WorkloadProfile) -> float:
    return p.connections / CONNECTION_HEADROOM * BYTES_PER_CONNECTION / GIB


def size_instance(
    p: WorkloadProfile, hourly: Mapping[str, float], specs: Mapping[str, InstanceSpec]
) -> tuple[str, str | None]:
    """The smallest priced class that carries the peak, or the largest and a warning."""
    ladder = sorted(hourly, key=lambda c: (specs[c].vcpu, specs[c].memory_gib))
    need_cpu, need_mem = peak_vcpu(p), connection_memory_gib(p)
    for cls in ladder:
        if specs[cls].vcpu >= need_cpu and specs[cls].memory_gib >= need_mem:
            return cls, None
    largest = ladder[-1]
    return largest, (
        f"the peak needs {need_cpu:.1f} vCPU and {need_mem:.1f} GiB, more than {largest}: "
        "split the reads over more replicas or the data over more databases"
    )


def monthly_storage_ios(p: WorkloadProfile) -> float:
    per_second = p.reads * STORAGE_IOS_PER_READ + p.writes * STORAGE_IOS_PER_WRITE
    return per_second * SECONDS_PER_MONTH


def backup_gib(p: WorkloadProfile, retention_days: int, free_gib: float) -> float:
    """Billed backup storage: a full copy plus retained daily changes, above the free size."""
    daily_change = p.writes * 86_400 * CHANGED_BYTES_PER_WRITE / GIB
    return max(0.0, p.stored_gib + daily_change * retention_days - free_gib)


def serverless_acu(p: WorkloadProfile) -> float:
    acu = max(MIN_ACU, _vcpu(p) / VCPU_PER_ACU, connection_memory_gib(p) / GIB_PER_ACU)
    return math.ceil(acu * 2) / 2


def estimate_rds(
    p: WorkloadProfile, prices: RegionPrices, specs: Mapping[str, InstanceSpec], retention: int
) -> Estimate:
    cls, warning = size_instance(p, prices.rds_multi_az_instance_hour, specs)
    allocated = max(20, math.ceil(p.stored_gib / RDS_STORAGE_FILL))
    lines = (
        _line(
            f"{cls} Multi-AZ (primary + standby)",
            HOURS_PER_MONTH,
            "instance-hours",
            prices.rds_multi_az_instance_hour[cls],
        ),
        _line("gp3 storage, Multi-AZ", allocated, "GB-month", prices.rds_multi_az_gp3_gb_month),
        _line(
            "backup storage beyond the free allowance",
            backup_gib(p, retention, allocated),
            "GB-month",
            prices.rds_backup_gb_month,
        ),
    )
    return Estimate("rds-multi-az", cls, lines, _notes(warning))


def estimate_aurora(
    p: WorkloadProfile,
    prices: RegionPrices,
    specs: Mapping[str, InstanceSpec],
    retention: int,
    *,
    io_optimized: bool,
) -> Estimate:
    hourly = (
        prices.aurora_io_optimized_instance_hour if io_optimized else prices.aurora_instance_hour
    )
    cls, warning = size_instance(p, hourly, specs)
    storage_price = (
        prices.aurora_io_optimized_storage_gb_month
        if io_optimized
        else prices.aurora_storage_gb_month
    )
    lines = [
        _line(
            f"{cls} writer + reader",
            AURORA_INSTANCES * HOURS_PER_MONTH,
            "instance-hours",
            hourly[cls],
        ),
        _line("cluster storage", p.stored_gib, "GB-month", storage_price),
    ]
    if not io_optimized:
        lines.append(_io_line(p, prices))
    lines.append(_aurora_backup_line(p, prices, retention))
    option: Option = "aurora-io-optimized" if io_optimized else "aurora-standard"
    return Estimate(option, cls, tuple(lines), _notes(warning))


def estimate_serverless(p: WorkloadProfile, prices: RegionPrices, retention: int) -> Estimate:
    acu = serverless_acu(p)
    lines = (
        _line(
            f"{acu:g} ACU average x {AURORA_INSTANCES} instances",
            acu * AURORA_INSTANCES * HOURS_PER_MONTH,
            "ACU-hours",
            prices.serverless_v2_acu_hour,
        ),
        _line("cluster storage", p.stored_gib, "GB-month", prices.aurora_storage_gb_month),
        _io_line(p, prices),
        _aurora_backup_line(p, prices, retention),
    )
    return Estimate("aurora-serverless-v2", "db.serverless", lines)


def _io_line(p: WorkloadProfile, prices: RegionPrices) -> CostLine:
    millions = monthly_storage_ios(p) / 1_000_000
    return _line("storage I/O", millions, "million requests", prices.aurora_io_per_million)


def _aurora_backup_line(p: WorkloadProfile, prices: RegionPrices, retention: int) -> CostLine:
    return _line(
        "backup storage beyond the free allowance",
        backup_gib(p, retention, p.stored_gib),
        "GB-month",
        prices.aurora_backup_gb_month,
    )


def _notes(warning: str | None) -> tuple[str, ...]:
    return () if warning is None else (warning,)


# --- the configuration as a workload --------------------------------------------------


def configured_workload(env: CloudEnvironment) -> dict[str, float]:
    """The load ``env``'s instances are provisioned for, as profile fields: at the peak every
    instance runs at the target CPU, the writer shares its vCPUs half and half between reads and
    writes, and each reader (or readable standby) serves reads only; the peak is the capacity
    range of Serverless v2 or of reader auto scaling; the data is the allocated storage."""
    if env.serverless_v2 is not None:
        vcpus = env.serverless_v2.max_acu * VCPU_PER_ACU
        peak = env.serverless_v2.max_acu / max(env.serverless_v2.min_acu, MIN_ACU)
    else:
        vcpus = instance_vcpus(env.instance_class)
        scaling = env.reader_autoscaling if env.flavor == "aurora" else None
        peak = (1 + scaling.max_capacity) / (1 + scaling.min_capacity) if scaling else 1.5
    readers = env.readers if env.flavor == "aurora" else 2 if env.multi_az_cluster else 0
    average = vcpus * TARGET_CPU / peak
    return {
        "reads": (0.5 + readers) * average * READS_PER_VCPU,
        "writes": 0.5 * average * WRITES_PER_VCPU,
        "data_gib": env.storage.allocated_gib,
        "peak_to_average": peak,
    }


# --- the advice ---------------------------------------------------------------------------

MAX_PRICE_AGE_DAYS = 180
"""Prices older than this are called old: AWS changes them, and new classes appear."""

LABELS: Mapping[Option, str] = {
    "rds-multi-az": "RDS Multi-AZ",
    "aurora-standard": "Aurora Standard",
    "aurora-io-optimized": "Aurora I/O-Optimized",
    "aurora-serverless-v2": "Aurora Serverless v2",
}


@dataclass(frozen=True)
class Advice:
    profile: WorkloadProfile
    recommendation: Option
    reasons: tuple[str, ...]
    """Why the recommendation: a price is cited only where the recommendation costs less."""
    verdicts: tuple[Verdict, ...]
    estimates: tuple[Estimate, ...]
    """Every option priced, or none when the table has no prices to use."""
    region: str
    priced_region: str | None
    """Whose prices the estimates use: ``region``'s, the fallback's, or none."""
    prices_date: str | None
    prices_source: str | None
    backup_retention_days: int
    notes: tuple[str, ...] = ()
    """About the prices: borrowed from another region, or missing."""
    warnings: tuple[str, ...] = ()
    """The prices are older than MAX_PRICE_AGE_DAYS, and how to refresh them."""
    tradeoffs: tuple[str, ...] = ()
    """What the recommendation gives up, such as a cheaper option it passes over."""

    @property
    def engine(self) -> Literal["rds", "aurora"]:
        return "rds" if self.recommendation == "rds-multi-az" else "aurora"

    def estimate(self, option: Option) -> Estimate:
        return next(e for e in self.estimates if e.option == option)

    def to_json(self) -> dict[str, Any]:
        """Plain data in a fixed shape: `pgplat advise --output json` prints this."""
        return {
            "profile": self.profile.model_dump(),
            "recommendation": self.recommendation,
            "engine": self.engine,
            "reasons": list(self.reasons),
            "tradeoffs": list(self.tradeoffs),
            "rules": [asdict(v) for v in self.verdicts],
            "estimates": {
                e.option: {
                    "instance_class": e.instance_class,
                    "monthly_usd": e.monthly,
                    "lines": [asdict(line) for line in e.lines],
                    "notes": list(e.notes),
                }
                for e in self.estimates
            },
            "prices": {
                "region": self.priced_region,
                "for_region": self.region,
                "date": self.prices_date,
                "source": self.prices_source,
                "notes": list(self.notes),
                "warnings": list(self.warnings),
            },
            "backup_retention_days": self.backup_retention_days,
            "assumptions": list(ASSUMPTIONS),
        }


def advise(
    profile: WorkloadProfile,
    table: PriceTable,
    region: str,
    backup_retention_days: int = 14,
    today: date | None = None,
) -> Advice:
    """Apply the plan's rules to ``profile`` and price every option in ``region`` (with the
    fallback region's prices when the table has none for it; unpriced when neither)."""
    priced = table.for_region(region)
    notes = _price_notes(region, priced)
    estimates: tuple[Estimate, ...] = ()
    if priced is not None:
        prices = priced[1]
        estimates = (
            estimate_rds(profile, prices, table.instances, backup_retention_days),
            estimate_aurora(
                profile, prices, table.instances, backup_retention_days, io_optimized=False
            ),
            estimate_aurora(
                profile, prices, table.instances, backup_retention_days, io_optimized=True
            ),
            estimate_serverless(profile, prices, backup_retention_days),
        )
    verdicts = tuple(rule(profile) for rule in RULES)
    choice, reasons = _choose(verdicts, {e.option: e for e in estimates})
    return Advice(
        profile=profile,
        recommendation=choice,
        reasons=reasons,
        verdicts=verdicts,
        estimates=estimates,
        region=region,
        priced_region=priced[0] if priced else None,
        prices_date=priced[1].date.isoformat() if priced else None,
        prices_source=priced[1].source if priced else None,
        backup_retention_days=backup_retention_days,
        notes=notes,
        warnings=_stale(priced, today or date.today()),
        tradeoffs=_passed_over(choice, estimates),
    )


def _price_notes(region: str, priced: tuple[str, RegionPrices] | None) -> tuple[str, ...]:
    refresh = f"`pgplat advise --refresh-prices --region {region}` where AWS is reachable"
    if priced is None:
        return (
            f"the price table has no prices for {region}: the advice is the rules' alone; "
            f"{refresh}",
        )
    if priced[0] != region:
        return (
            f"the price table has no prices for {region}: the costs are {priced[0]}'s; {refresh}",
        )
    return ()


def _stale(priced: tuple[str, RegionPrices] | None, today: date) -> tuple[str, ...]:
    if priced is None or (today - priced[1].date).days <= MAX_PRICE_AGE_DAYS:
        return ()
    name, prices = priced
    return (
        f"the {name} prices are from {prices.date}, more than {MAX_PRICE_AGE_DAYS} days ago: "
        f"refresh them with `pgplat advise --refresh-prices --region {name}` where AWS is "
        "reachable",
    )


_Choice = tuple[Option, tuple[str, ...]]


def _choose(verdicts: tuple[Verdict, ...], estimates: Mapping[Option, Estimate]) -> _Choice:
    """The option the rules point at, and its reasons."""
    for_aurora = [v for v in verdicts if v.favours_aurora]
    if not for_aurora:
        return _rds(verdicts, estimates)
    reasons = tuple(v.reason for v in for_aurora)
    if any(v.rule == "auto-scaling" for v in for_aurora):
        return "aurora-serverless-v2", reasons
    if not estimates:
        return "aurora-standard", (
            *reasons,
            "no prices to weigh Aurora I/O-Optimized against Standard",
        )
    standard, optimized = estimates["aurora-standard"], estimates["aurora-io-optimized"]
    io_cost = next(line.monthly for line in standard.lines if line.item == "storage I/O")
    share = f"storage I/O is {io_cost / standard.monthly:.0%} of Aurora Standard's bill"
    chosen, other = sorted((standard, optimized), key=lambda e: e.monthly)
    return chosen.option, (*reasons, f"{share}: {_cheaper(chosen, other)}")


def _rds(verdicts: tuple[Verdict, ...], estimates: Mapping[Option, Estimate]) -> _Choice:
    """RDS for a light/medium workload: for simplicity, and for its price where it is the
    cheapest option."""
    simple = "one instance with a synchronous standby: the simplest production setup"
    reasons = ("light/medium workload", *(v.reason for v in verdicts), simple)
    if not estimates:
        return "rds-multi-az", reasons
    rds = estimates["rds-multi-az"]
    cheapest = min((e for e in estimates.values() if e is not rds), key=lambda e: e.monthly)
    if rds.monthly <= cheapest.monthly:
        return "rds-multi-az", (*reasons, _cheaper(rds, cheapest))
    return "rds-multi-az", reasons


def _passed_over(choice: Option, estimates: tuple[Estimate, ...]) -> tuple[str, ...]:
    """The cheapest option, when the advice passes it over: what following the rules costs."""
    if not estimates:
        return ()
    chosen = next(e for e in estimates if e.option == choice)
    cheapest = min(estimates, key=lambda e: e.monthly)
    if cheapest.monthly >= chosen.monthly:
        return ()
    why = (
        "the price of its simplicity, as no rule calls for Aurora"
        if choice == "rds-multi-az"
        else "the price of what the reasons above call for"
    )
    return (
        f"{LABELS[cheapest.option]} would cost ${cheapest.monthly:,.2f}/month, "
        f"${chosen.monthly - cheapest.monthly:,.2f} less than {LABELS[choice]}: {why}",
    )


def _cheaper(chosen: Estimate, other: Estimate) -> str:
    """The one way a reason cites prices: the choice costs less than the alternative."""
    assert chosen.monthly <= other.monthly, (chosen.option, other.option)
    return (
        f"{LABELS[chosen.option]} costs ${chosen.monthly:,.2f}/month against "
        f"${other.monthly:,.2f} for {LABELS[other.option]}"
    )
