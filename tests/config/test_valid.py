"""Valid configurations: examples, defaults, derived windows and engine-support warnings."""

from __future__ import annotations

from datetime import date

import pytest

from pgplat.config.calendar import recommended_major, support_warnings
from pgplat.config.explain import effective_settings
from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig
from pgplat.config.starter import starter_text
from pgplat.config.windows import BusinessWeek, WindowError, derive_windows


def test_innovate_matches_the_plan(innovate: PgplatConfig) -> None:
    prod = innovate.environments.prod
    assert prod.flavor == "aurora"
    assert innovate.database.major == 14
    assert prod.network.connectivity == "transit-gateway"
    assert {u.auth for u in innovate.database.users} == {"iam", "secret"}
    assert prod.kms_key_arn is None  # a new customer-managed key
    assert prod.backup.retention_days >= 7
    assert innovate.environments.dev is not None
    assert innovate.environments.dev.flavor == "rds"


def test_northwind_differs_on_every_axis(innovate: PgplatConfig, northwind: PgplatConfig) -> None:
    a, b = innovate.environments.prod, northwind.environments.prod
    assert (a.flavor, b.flavor) == ("aurora", "rds")
    assert (a.network.connectivity, b.network.connectivity) == ("transit-gateway", "vpc-peering")
    assert innovate.region != northwind.region
    assert innovate.database.major < northwind.database.major
    assert a.eks is not None
    assert b.eks is not None
    assert a.eks.identity != b.eks.identity


def test_starter_file_validates_and_gets_secure_defaults() -> None:
    config = parse_config(starter_text(), "pgplat.yaml")
    prod = config.environments.prod
    assert prod.deletion_protection
    assert prod.backup.retention_days == 14
    assert prod.monitoring.performance_insights
    assert prod.monitoring.enhanced_monitoring_interval > 0
    assert config.maintenance.auto_minor_version_upgrade
    assert prod.backup.restore_test is not None


def test_dev_defaults_are_cost_optimised(innovate: PgplatConfig) -> None:
    dev = innovate.environments.dev
    assert dev is not None
    assert dev.instance_class.startswith("db.t4g")
    assert not dev.multi_az
    assert not dev.deletion_protection
    assert dev.backup.retention_days == 1


def test_innovate_windows_are_utc_outside_new_york_business_hours(innovate: PgplatConfig) -> None:
    windows = innovate.maintenance.windows
    # 07:00-20:00 New York is 11:00-01:00 UTC in summer and 12:00-01:00 UTC in winter.
    assert windows.backup == "08:00-09:00"
    assert windows.maintenance == "sun:09:00-sun:10:00"


def test_windows_respect_both_daylight_saving_offsets() -> None:
    week = BusinessWeek.build(
        "Europe/Berlin", ["mon", "tue", "wed", "thu", "fri"], "08:00", "18:00", 2026
    )
    windows = derive_windows(week, ["mon", "tue", "wed", "thu", "fri"])
    start = int(windows.backup[:2])
    # 08:00 Berlin is 06:00 UTC in summer and 07:00 UTC in winter: the hour 06-07 UTC is busy.
    assert not 6 <= start < 18 - 1
    with pytest.raises(WindowError) as info:
        derive_windows(week, ["mon"], backup_window="06:30-07:00")
    assert info.value.field == "backup_window"


def test_maintenance_goes_to_a_quiet_day() -> None:
    days = ["mon", "tue", "wed", "thu", "fri", "sat"]
    week = BusinessWeek.build("UTC", days, "06:00", "22:00", 2026)
    assert derive_windows(week, days).maintenance.startswith("sun:")


def test_engine_14_warns_and_names_the_upgrade_target(innovate: PgplatConfig) -> None:
    warnings = innovate.warnings(today=date(2026, 11, 25))
    assert any("community end of life on 2026-11-12" in w for w in warnings)
    assert any("Aurora end of standard support on 2027-02-28" in w for w in warnings)
    assert all("upgrade to PostgreSQL 18" in w for w in warnings)


def test_supported_major_has_no_warning(northwind: PgplatConfig) -> None:
    assert northwind.warnings(today=date(2026, 11, 25)) == []


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 5, 1), 0),  # more than six months before both dates
        (date(2026, 6, 1), 1),  # within six months of community EOL only
        (date(2026, 11, 25), 2),  # past EOL, within six months of end of standard support
    ],
)
def test_warning_horizon_boundaries(today: date, expected: int) -> None:
    assert len(support_warnings(14, "rds", today)) == expected


def test_recommended_major_is_the_newest_supported() -> None:
    assert recommended_major("aurora", date(2026, 11, 25)) == 18


def test_explain_marks_defaults_and_derived_values(innovate: PgplatConfig) -> None:
    rows = {r.path: r for r in effective_settings(innovate)}
    assert rows["environments.prod.readers"].source == "file"
    assert rows["environments.prod.deletion_protection"].source == "default"
    assert rows["derived.backup_window_utc"].value == innovate.maintenance.windows.backup
    assert rows["derived.dev.data_account"].value == "333333333333"
