"""Which local user does what: the application connects as its read-write user, seeds and
migrations run as production's would (an owner, else the master's stand-in)."""

from __future__ import annotations

from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.local.envfile import app_user, migration_user
from pgplat.local.passwords import SUPERUSER


def _with_levels(config: PgplatConfig, levels: dict[str, str]) -> PgplatConfig:
    template = config.database.users[0]
    users: list[Any] = [
        template.model_copy(update={"name": name, "access": access})
        for name, access in levels.items()
    ]
    return config.model_copy(
        update={"database": config.database.model_copy(update={"users": users})}
    )


@pytest.mark.parametrize(
    ("levels", "app", "migrations"),
    [
        ({"api": "read-write", "migrator": "owner", "bi": "read-only"}, "api", "migrator"),
        ({"api": "read-write", "bi": "read-only"}, "api", SUPERUSER),  # no owner: no DDL user
        ({"web": "owner", "bi": "read-only"}, "web", "web"),
    ],
    ids=["owner and read-write", "read-write only", "owner only"],
)
def test_seeds_run_as_whoever_may_run_ddl(
    innovate: PgplatConfig, levels: dict[str, str], app: str, migrations: str
) -> None:
    config = _with_levels(innovate, levels)
    assert app_user(config) == app
    assert migration_user(config) == migrations
