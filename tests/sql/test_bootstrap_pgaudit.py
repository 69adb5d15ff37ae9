"""The bootstrap's pgaudit part on the real local server, whose binaries do not ship pgaudit:
the rds_pgaudit role is made, the extension skipped with a warning, and re-runs are safe."""

from __future__ import annotations

import psycopg
import pytest

from pgplat.config.model import PgplatConfig
from pgplat.local.cluster import ServerInfo
from pgplat.sql import Target, bootstrap_sql

TARGETS: tuple[Target, ...] = ("local", "rds")


@pytest.mark.parametrize("target", TARGETS)
def test_audit_role_is_made_and_the_missing_extension_only_warns(
    innovate: PgplatConfig, local_pg: ServerInfo, target: Target
) -> None:
    warnings: list[str] = []
    with psycopg.connect(local_pg.admin_conninfo(), autocommit=True) as conn:
        conn.add_notice_handler(lambda diag: warnings.append(diag.message_primary or ""))
        if target == "rds":  # the RDS script needs the rds_iam role RDS brings
            conn.execute(bootstrap_sql(innovate, target="local").encode())
        for _ in range(2):
            conn.execute(bootstrap_sql(innovate, target=target).encode())
        role = conn.execute(
            "SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = 'rds_pgaudit'"
        ).fetchone()
        extension = conn.execute("SELECT FROM pg_extension WHERE extname = 'pgaudit'").fetchone()
    assert role == (False, False)
    assert extension is None
    assert any("pgaudit is not in shared_preload_libraries" in w for w in warnings)


def test_both_targets_create_the_role_the_parameter_group_names(innovate: PgplatConfig) -> None:
    for target in TARGETS:
        script = bootstrap_sql(innovate, target=target)
        assert 'CREATE ROLE "rds_pgaudit" NOLOGIN;' in script
        assert "CREATE EXTENSION IF NOT EXISTS pgaudit;" in script
