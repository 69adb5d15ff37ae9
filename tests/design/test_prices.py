"""The price table: shipped copy, refresh from the AWS Price List API, and its failures.

moto has no Price List API, so a small in-process price list answers botocore's real
GetProducts requests (after botocore has validated and serialised them).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from pgplat.design.advisor import WorkloadProfile, advise
from pgplat.design.prices import PriceTable, load_prices, refresh_region, save_prices
from pgplat.errors import UserError

REGION = "eu-central-1"
CLASSES = ("db.m6g.large", "db.r6g.large")


def product(price: float, **attributes: str) -> dict[str, Any]:
    """One Price List entry in the API's aws_v1 shape, with one on-demand price."""
    return {
        "product": {"productFamily": attributes.get("productFamily"), "attributes": attributes},
        "serviceCode": "AmazonRDS",
        "terms": {
            "OnDemand": {
                "SKU.JRTCKXETXF": {
                    "priceDimensions": {
                        "SKU.JRTCKXETXF.6YS6EN2CT7": {
                            "unit": "Hrs",
                            "pricePerUnit": {"USD": f"{price:.10f}"},
                        }
                    }
                }
            }
        },
    }


def catalogue() -> list[dict[str, Any]]:
    """Frankfurt-like prices, with decoys the refresh must not pick."""
    rds = {"databaseEngine": "PostgreSQL", "regionCode": REGION}
    aurora = {"databaseEngine": "Aurora PostgreSQL", "regionCode": REGION}
    instance = {"productFamily": "Database Instance"}
    entries = [
        product(0.372, **rds, **instance, deploymentOption="Multi-AZ", instanceType="db.m6g.large"),
        product(0.186, **rds, **instance, deploymentOption="Single-AZ", instanceType="db.m6g.large"),
        product(0.744, **rds, **instance, deploymentOption="Multi-AZ", instanceType="db.r6g.large"),
        product(0.31, **aurora, **instance, instanceType="db.r6g.large", usagetype="EUC1-InstanceUsage:db.r6g.large"),
        product(0.403, **aurora, **instance, instanceType="db.r6g.large", usagetype="EUC1-InstanceUsageIOOptimized:db.r6g.large"),
        product(0.15, **aurora, **instance, instanceType="db.m6g.large", usagetype="EUC1-InstanceUsage:db.m6g.large"),
        product(0.195, **aurora, **instance, instanceType="db.m6g.large", usagetype="EUC1-InstanceUsageIOOptimized:db.m6g.large"),
        product(0.274, **rds, productFamily="Database Storage", deploymentOption="Multi-AZ", volumeType="General Purpose-GP3"),
        product(0.137, **rds, productFamily="Database Storage", deploymentOption="Single-AZ", volumeType="General Purpose-GP3"),
        product(0.11, **aurora, productFamily="Database Storage", volumeType="General Purpose-Aurora"),
        product(0.2475, **aurora, productFamily="Database Storage", volumeType="IO Optimized-Aurora"),
        product(0.00000022, **aurora, productFamily="System Operation", group="Aurora I/O Operation"),
        product(0.14, **aurora, productFamily="ServerlessV2", usagetype="EUC1-Aurora:ServerlessV2Usage"),
        product(0.182, **aurora, productFamily="ServerlessV2", usagetype="EUC1-Aurora:ServerlessV2IOOptimizedUsage"),
        product(0.095, **rds, productFamily="Storage Snapshot", usagetype="EUC1-RDS:ChargedBackupUsage"),
        product(0.021, **aurora, productFamily="Storage Snapshot", usagetype="EUC1-Aurora:BackupUsage"),
    ]  # fmt: skip
    return entries


@pytest.fixture
def pricing(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[dict[str, Any]]]:
    """A boto3 pricing client answered from ``catalogue()``, which a test may change."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    entries = catalogue()
    client = boto3.client("pricing", region_name="us-east-1")

    def answer(model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        request = json.loads(params["body"])
        assert request["ServiceCode"] == "AmazonRDS"
        wanted = {f["Field"]: f["Value"] for f in request["Filters"]}
        matches = [
            json.dumps(e)
            for e in entries
            if all(e["product"]["attributes"].get(k) == v for k, v in wanted.items())
        ]
        body = {"FormatVersion": "aws_v1", "PriceList": matches}
        return AWSResponse("https://pricing.invalid", 200, {}, None), body

    client.meta.events.register("before-call.pricing.GetProducts", answer)
    return client, entries


def small_table() -> PriceTable:
    shipped = load_prices()
    us = shipped.regions["us-east-1"]
    only = {
        field: {cls: getattr(us, field).get(cls, 0.1) for cls in CLASSES}
        for field in (
            "rds_multi_az_instance_hour",
            "aurora_instance_hour",
            "aurora_io_optimized_instance_hour",
        )
    }
    return shipped.model_copy(update={"regions": {"us-east-1": us.model_copy(update=only)}})


def test_refresh_adds_the_region_with_todays_date(pricing: Any, tmp_path: Path) -> None:
    client, _ = pricing
    table = refresh_region(small_table(), REGION, client, today=date(2026, 11, 25))
    frankfurt = table.regions[REGION]
    assert frankfurt.date == date(2026, 11, 25)
    assert "AWS Price List API" in frankfurt.source
    assert frankfurt.rds_multi_az_instance_hour == {"db.m6g.large": 0.372, "db.r6g.large": 0.744}
    assert frankfurt.aurora_instance_hour["db.r6g.large"] == 0.31
    assert frankfurt.aurora_io_optimized_instance_hour["db.r6g.large"] == 0.403
    assert frankfurt.rds_multi_az_gp3_gb_month == 0.274
    assert frankfurt.aurora_io_optimized_storage_gb_month == 0.2475
    assert frankfurt.aurora_io_per_million == pytest.approx(0.22)
    assert frankfurt.serverless_v2_acu_hour == 0.14
    assert table.regions["us-east-1"] == small_table().regions["us-east-1"]

    saved = tmp_path / "prices.json"
    save_prices(table, saved)
    reloaded = load_prices(saved)
    assert reloaded == table
    profile = WorkloadProfile(reads=100, writes=10, data_gib=10)
    assert advise(profile, reloaded, REGION).prices_date == "2026-11-25"


def test_a_missing_price_leaves_the_table_alone(pricing: Any) -> None:
    client, entries = pricing
    entries[:] = [e for e in entries if e["product"]["attributes"].get("group") is None]
    with pytest.raises(
        UserError, match=r"no on-demand price for .*Aurora I/O Operation in eu-central-1"
    ):
        refresh_region(small_table(), REGION, client)


def test_two_prices_for_one_query_are_refused(pricing: Any) -> None:
    client, entries = pricing
    entries.append(
        product(0.12, databaseEngine="Aurora PostgreSQL", regionCode=REGION,
                productFamily="Database Storage", volumeType="General Purpose-Aurora")
    )  # fmt: skip
    with pytest.raises(UserError, match="2 different prices"):
        refresh_region(small_table(), REGION, client)


def test_unreachable_api_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials: botocore fails before any network traffic, and says so in one line."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.client("pricing", region_name="us-east-1")
    with pytest.raises(UserError, match="cannot read the AWS Price List API"):
        refresh_region(small_table(), REGION, client)


def test_a_broken_table_file_is_a_user_error(tmp_path: Path) -> None:
    broken = tmp_path / "prices.json"
    broken.write_text('{"instances": {}, "regions": {"us-east-1": {"date": "soon"}}}')
    with pytest.raises(UserError, match=r"is not a pgplat price table \(regions.us-east-1.date"):
        load_prices(broken)


def test_shipped_table_is_dated_and_complete() -> None:
    table = load_prices()
    us = table.regions["us-east-1"]
    assert us.date == date(2025, 1, 1)
    priced = {
        *us.rds_multi_az_instance_hour,
        *us.aurora_instance_hour,
        *us.aurora_io_optimized_instance_hour,
    }
    assert priced <= set(table.instances)
    assert set(us.aurora_instance_hour) == set(us.aurora_io_optimized_instance_hour)
