"""The dated price table behind `pgplat advise`, and its refresh from the AWS Price List API.

A copy ships with pgplat (``prices.json``) so the advisor works offline; every region entry
carries the date and source of its figures, and the advisor prints them with each estimate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pgplat.errors import UserError

SHIPPED = "prices.json"
FALLBACK_REGION = "us-east-1"
"""Whose prices stand in for a region the table lacks: the shipped table's one region."""
PRICE_LIST_REGION = "us-east-1"
"""The Price List API answers from a few regions only; it serves every region's prices."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InstanceSpec(_Model):
    vcpu: int = Field(gt=0)
    memory_gib: float = Field(gt=0)


class RegionPrices(_Model):
    """On-demand USD prices of one region, with where and when they were taken."""

    date: date
    source: str
    rds_multi_az_instance_hour: dict[str, float]
    aurora_instance_hour: dict[str, float]
    aurora_io_optimized_instance_hour: dict[str, float]
    rds_multi_az_gp3_gb_month: float
    aurora_storage_gb_month: float
    aurora_io_optimized_storage_gb_month: float
    aurora_io_per_million: float
    serverless_v2_acu_hour: float
    rds_backup_gb_month: float
    aurora_backup_gb_month: float


class PriceTable(_Model):
    currency: str = "USD"
    instances: dict[str, InstanceSpec]
    regions: dict[str, RegionPrices]

    def for_region(self, name: str) -> tuple[str, RegionPrices] | None:
        """``name``'s prices, else the fallback region's, as (whose, prices); None if neither."""
        for region in (name, FALLBACK_REGION):
            if region in self.regions:
                return region, self.regions[region]
        return None


def load_prices(path: Path | None = None, *, refreshed: Path | None = None) -> PriceTable:
    """The table at ``path``, else the ``refreshed`` copy (the project's, see
    :attr:`pgplat.project.Project.prices`) if it exists, else the shipped one."""
    if path is None and refreshed is not None and refreshed.is_file():
        path = refreshed
    if path is None:
        text = resources.files("pgplat.design").joinpath(SHIPPED).read_text(encoding="utf-8")
        where = f"the shipped {SHIPPED}"
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot read price table {path}: {exc.strerror}") from None
        where = str(path)
    try:
        return PriceTable.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        at = ".".join(str(p) for p in first["loc"])
        raise UserError(
            f"{where} is not a pgplat price table ({at}: {first['msg']}); "
            "refresh it with `pgplat advise --refresh-prices`"
        ) from None


def save_prices(table: PriceTable, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(table.model_dump_json(indent=2) + "\n", encoding="utf-8")


# --- refresh from the AWS Price List API -------------------------------------------------

Query = dict[str, str]
"""Price List attribute filters (TERM_MATCH), plus an optional ``usagetype`` substring."""

_RDS = {"databaseEngine": "PostgreSQL"}
_AURORA = {"databaseEngine": "Aurora PostgreSQL"}


def _query(engine: Query, family: str, **attributes: str) -> Query:
    return {**engine, "productFamily": family, **attributes}


def _instance(engine: Query, cls: str, **attributes: str) -> Query:
    return _query(engine, "Database Instance", instanceType=cls, **attributes)


_STORAGE = "Database Storage"
_SNAPSHOT = "Storage Snapshot"
_SCALAR_QUERIES: dict[str, tuple[Query, float]] = {
    "rds_multi_az_gp3_gb_month": (
        _query(_RDS, _STORAGE, deploymentOption="Multi-AZ", volumeType="General Purpose-GP3"),
        1.0,
    ),
    "aurora_storage_gb_month": (
        _query(_AURORA, _STORAGE, volumeType="General Purpose-Aurora"),
        1.0,
    ),
    "aurora_io_optimized_storage_gb_month": (
        _query(_AURORA, _STORAGE, volumeType="IO Optimized-Aurora"),
        1.0,
    ),
    "aurora_io_per_million": (
        _query(_AURORA, "System Operation", group="Aurora I/O Operation"),
        1_000_000.0,
    ),
    "serverless_v2_acu_hour": (_query(_AURORA, "ServerlessV2", usagetype="ServerlessV2Usage"), 1.0),
    "rds_backup_gb_month": (_query(_RDS, _SNAPSHOT, usagetype="ChargedBackupUsage"), 1.0),
    "aurora_backup_gb_month": (_query(_AURORA, _SNAPSHOT, usagetype="Aurora:BackupUsage"), 1.0),
}

_INSTANCE_QUERIES: dict[str, Callable[[str], Query]] = {
    "rds_multi_az_instance_hour": lambda cls: _instance(_RDS, cls, deploymentOption="Multi-AZ"),
    "aurora_instance_hour": lambda cls: _instance(_AURORA, cls, usagetype=f"InstanceUsage:{cls}"),
    "aurora_io_optimized_instance_hour": lambda cls: _instance(
        _AURORA, cls, usagetype=f"InstanceUsageIOOptimized:{cls}"
    ),
}


def refresh_region(
    table: PriceTable, region: str, client: Any, today: date | None = None
) -> PriceTable:
    """``table`` with ``region``'s prices fetched anew for the classes it already lists.

    ``client`` is a boto3 ``pricing`` client. Any failure leaves the table untouched and ends
    in one UserError: a wrong price is worse than an old one.
    """
    today = today or date.today()
    known = table.regions.get(region) or next(iter(table.regions.values()))
    prices: dict[str, Any] = {
        "date": today,
        "source": f"AWS Price List API (pricing:GetProducts, on-demand USD) on {today}",
    }
    try:
        for field, make_query in _INSTANCE_QUERIES.items():
            classes = getattr(known, field)
            prices[field] = {cls: _price(client, region, make_query(cls), 1.0) for cls in classes}
        for field, (query, scale) in _SCALAR_QUERIES.items():
            prices[field] = _price(client, region, query, scale)
    except (BotoCoreError, ClientError) as exc:
        raise UserError(
            f"cannot read the AWS Price List API ({exc}); the price table was not changed"
        ) from None
    regions = {**table.regions, region: RegionPrices.model_validate(prices)}
    return table.model_copy(update={"regions": regions})


def _price(client: Any, region: str, query: Query, scale: float) -> float:
    """The one on-demand USD price the query matches, times ``scale``."""
    usagetype = query.get("usagetype", "")
    filters = {k: v for k, v in query.items() if k != "usagetype"}
    found = {
        price
        for product in _products(client, {**filters, "regionCode": region})
        if usagetype in product["product"]["attributes"].get("usagetype", "")
        for price in _on_demand_usd(product)
    }
    shown = ", ".join(f"{k}={v}" for k, v in query.items())
    if len(found) != 1:
        problem = "no on-demand price" if not found else f"{len(found)} different prices"
        raise UserError(
            f"the AWS Price List API returned {problem} for {shown} in {region}; "
            "the price table was not changed"
        )
    return round(found.pop() * scale, 6)


def _products(client: Any, filters: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    pages = client.get_paginator("get_products").paginate(
        ServiceCode="AmazonRDS",
        FormatVersion="aws_v1",
        Filters=[{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in filters.items()],
    )
    for page in pages:
        for item in page["PriceList"]:
            yield json.loads(item)


def _on_demand_usd(product: Mapping[str, Any]) -> Iterator[float]:
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term["priceDimensions"].values():
            price = float(dimension["pricePerUnit"].get("USD", 0))
            if price > 0:
                yield price
