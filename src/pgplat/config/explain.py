"""The effective configuration as rows: every setting, where its value came from, and what
pgplat derives from it (UTC windows and every scheduled job, per-environment engine versions
and accounts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from pgplat.config.model import PgplatConfig

Source = Literal["file", "default", "derived"]


@dataclass(frozen=True)
class Setting:
    path: str
    value: Any
    source: Source


def _walk(model: BaseModel, prefix: str, inherited: Source) -> list[Setting]:
    rows: list[Setting] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        source: Source = (
            "file" if inherited == "file" and name in model.model_fields_set else "default"
        )
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            rows.extend(_walk(value, f"{path}.", source))
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, item in enumerate(value):
                rows.extend(_walk(item, f"{path}[{i}].", source))
        else:
            rows.append(Setting(path, value, source))
    return rows


def effective_settings(config: PgplatConfig) -> list[Setting]:
    """All settings, defaults marked, followed by the derived values."""
    rows = _walk(config, "", "file")
    windows = config.maintenance.windows
    tz = config.maintenance.business_hours.timezone
    rows.append(Setting("derived.backup_window_utc", windows.backup, "derived"))
    rows.append(Setting("derived.maintenance_window_utc", windows.maintenance, "derived"))
    rows.append(Setting("derived.business_hours_timezone", tz, "derived"))
    for env in config.environments.cloud():
        rows.append(Setting(f"derived.{env}.engine_version", config.engine_version(env), "derived"))
        rows.append(
            Setting(f"derived.{env}.data_account", config.account_of(env, "data"), "derived")
        )
        rows.append(Setting(f"derived.{env}.app_account", config.account_of(env, "app"), "derived"))
        if config.routed_by_hub(env):
            hub = config.account_of(env, "network")
            rows.append(Setting(f"derived.{env}.network_account", hub, "derived"))
        rows.extend(_schedules(config, env))
    return rows


def _schedules(config: PgplatConfig, env: str) -> list[Setting]:
    """The environment's scheduled jobs besides the RDS windows, as placed around them."""
    schedules = config.schedules(env)
    rows = [Setting(f"derived.{env}.aws_backup_start_utc", schedules.aws_backup_start, "derived")]
    if schedules.restore_test is not None:
        rows += [
            Setting(f"derived.{env}.restore_test_schedule_utc", schedules.restore_test, "derived"),
            Setting(
                f"derived.{env}.restore_test_start_window_hours",
                schedules.restore_test_start_window_hours,
                "derived",
            ),
        ]
    return rows
