"""What staying on a major past standard support costs: RDS Extended Support.

AWS enrols every cluster and instance still on the major automatically and bills each vCPU
of every instance (writer, readers, Multi-AZ standbys) by the hour, from the day after
standard support ends, at a rate that doubles in the third year. The rates are dated and
name their source; regions missing from the table are priced at the reference region's rate
and say so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from pgplat.config.calendar import CALENDAR, WARNING_HORIZON
from pgplat.config.model import CloudEnvironment, PgplatConfig

RATES_AS_OF = date(2026, 11, 1)
RATES_SOURCE = "https://aws.amazon.com/rds/postgresql/pricing/ (Extended Support)"
HOURS_PER_MONTH = 730
REFERENCE_REGION = "us-east-1"


@dataclass(frozen=True)
class Rates:
    """USD per hour: provisioned instances per vCPU, Serverless v2 per ACU."""

    vcpu_hour_years_1_2: float
    vcpu_hour_year_3: float
    acu_hour_years_1_2: float
    acu_hour_year_3: float


RATES: Mapping[str, Rates] = {
    region: Rates(0.100, 0.200, 0.085, 0.170) for region in ("us-east-1", "us-east-2")
}

_SIZE_VCPUS = {"micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4}
_MULTIPLE = re.compile(r"^(\d+)xlarge$")


def instance_vcpus(instance_class: str) -> int:
    """vCPUs of a DB instance class from its size (``db.r6g.2xlarge`` -> 8).

    Every current RDS class follows the EC2 size ladder: up to ``large`` two vCPUs,
    ``xlarge`` four, ``Nxlarge`` four times N.
    """
    size = instance_class.rsplit(".", 1)[-1]
    if size in _SIZE_VCPUS:
        return _SIZE_VCPUS[size]
    match = _MULTIPLE.match(size)
    if match is None:
        raise ValueError(f"unknown instance size {size!r} in {instance_class}")
    return 4 * int(match.group(1))


def billed_instances(env: CloudEnvironment) -> int:
    """Instances AWS bills Extended Support for: the writer, readers and standbys."""
    if env.flavor == "aurora":
        return 1 + env.readers
    if env.multi_az_cluster:
        return 3
    return 2 if env.multi_az else 1


@dataclass(frozen=True)
class ExtendedSupportCost:
    """The monthly surcharge of one environment staying on its major."""

    major: int
    starts: date
    """The first billed day: the day after standard support ends."""
    year_3_starts: date
    monthly_usd_years_1_2: float
    monthly_usd_year_3: float
    basis: str
    """How the figure was computed, in words, so it can be checked by hand."""
    rates_as_of: date = RATES_AS_OF
    rates_source: str = RATES_SOURCE

    def as_dict(self) -> dict[str, object]:
        return {
            "major": self.major,
            "starts": self.starts.isoformat(),
            "year_3_starts": self.year_3_starts.isoformat(),
            "monthly_usd_years_1_2": round(self.monthly_usd_years_1_2, 2),
            "monthly_usd_year_3": round(self.monthly_usd_year_3, 2),
            "basis": self.basis,
            "rates_as_of": self.rates_as_of.isoformat(),
            "rates_source": self.rates_source,
        }


def extended_support_cost(env: CloudEnvironment, major: int, region: str) -> ExtendedSupportCost:
    """The surcharge ``env`` pays per month once ``major`` leaves standard support."""
    end = CALENDAR[major].standard_support_end(env.flavor)
    if end is None:
        raise ValueError(f"{env.flavor} does not offer PostgreSQL {major}")
    rates = RATES.get(region, RATES[REFERENCE_REGION])
    priced_at = region if region in RATES else f"{REFERENCE_REGION}'s rate ({region} not tabled)"
    instances = billed_instances(env)
    if env.serverless_v2 is not None:
        units = instances * env.serverless_v2.min_acu
        low, high = rates.acu_hour_years_1_2, rates.acu_hour_year_3
        basis = f"{instances} Serverless v2 instances at their minimum {env.serverless_v2.min_acu:g} ACU"
    else:
        units = instances * instance_vcpus(env.instance_class)
        low, high = rates.vcpu_hour_years_1_2, rates.vcpu_hour_year_3
        basis = (
            f"{instances} x {env.instance_class} ({instance_vcpus(env.instance_class)} vCPU each)"
        )
    starts = end + timedelta(days=1)
    return ExtendedSupportCost(
        major=major,
        starts=starts,
        year_3_starts=starts.replace(year=starts.year + 2),
        monthly_usd_years_1_2=units * low * HOURS_PER_MONTH,
        monthly_usd_year_3=units * high * HOURS_PER_MONTH,
        basis=f"{basis}, {HOURS_PER_MONTH} h/month, {priced_at}",
    )


def staying_costs(config: PgplatConfig, today: date) -> dict[str, ExtendedSupportCost]:
    """Each cloud environment whose major leaves standard support within the warning horizon
    (or has left it) and that has not refused Extended Support: what staying costs."""
    costs: dict[str, ExtendedSupportCost] = {}
    for name, env in config.environments.cloud().items():
        major = config.major(name)
        end = CALENDAR[major].standard_support_end(env.flavor) if major in CALENDAR else None
        if end is not None and end - today <= WARNING_HORIZON and env.extended_support is not False:
            costs[name] = extended_support_cost(env, major, config.region)
    return costs
