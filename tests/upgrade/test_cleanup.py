"""`upgrade cleanup` on moto: only a tagged old blue of this environment whose rollback period
is over goes, always with a final snapshot; everything else is left exactly as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from pgplat.config.model import PgplatConfig
from pgplat.naming import database_identifier
from pgplat.upgrade.blue_green import DELETE_AFTER_TAG
from pgplat.upgrade.cleanup import clean_up
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
DELETING = {"DeleteDBCluster", "DeleteDBInstance", "ModifyDBCluster", "ModifyDBInstance"}


def _aurora(rds: Any, name: str, tag: str | None, *, writer: bool = True) -> None:
    tags = [{"Key": DELETE_AFTER_TAG, "Value": tag}] if tag is not None else []
    rds.create_db_cluster(
        DBClusterIdentifier=name,
        Engine="aurora-postgresql",
        EngineVersion="14.19",
        MasterUsername="postgres",
        MasterUserPassword="not-a-secret-1",
        DeletionProtection=True,
        Tags=tags,
    )
    if not writer:
        return
    rds.create_db_instance(
        DBInstanceIdentifier=f"{name}-writer",
        DBClusterIdentifier=name,
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )


@pytest.fixture
def rds() -> Iterator[tuple[Any, list[str]]]:
    with mock_aws():
        client = boto3.client("rds", region_name="us-east-1")
        calls: list[str] = []
        client.meta.events.register(
            "provide-client-params.rds", lambda model, **_: calls.append(model.name)
        )
        yield client, calls


def _clusters(rds: Any) -> set[str]:
    return {c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]}


def test_only_the_due_old_blue_goes_and_its_final_snapshot_stays(
    rds: tuple[Any, list[str]], innovate: PgplatConfig
) -> None:
    client, _ = rds
    past, future = (NOW - timedelta(hours=1)).isoformat(), (NOW + timedelta(hours=1)).isoformat()
    _aurora(client, "innovate-prod", past)  # the live database, even if someone tagged it
    _aurora(client, "innovate-prod-old1", past)
    _aurora(client, "innovate-prod-old2", future)
    _aurora(client, "innovate-prod-old3", "next tuesday")
    _aurora(client, "innovate-prod-old4", None)
    _aurora(client, "innovate-dev-old1", past)  # another environment's
    cleaned = clean_up(client, innovate, "prod", now=NOW, dry_run=False)
    assert {c.blue.identifier: c.blue.fate for c in cleaned} == {
        "innovate-prod-old1": "delete",
        "innovate-prod-old2": "keep",
        "innovate-prod-old3": "unreadable",
    }
    assert _clusters(client) == {
        "innovate-prod",
        "innovate-prod-old2",
        "innovate-prod-old3",
        "innovate-prod-old4",
        "innovate-dev-old1",
    }
    [deleted] = [c for c in cleaned if c.snapshot]
    snapshots = client.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    assert [s["DBClusterSnapshotIdentifier"] for s in snapshots] == [deleted.snapshot]
    assert deleted.snapshot == "innovate-prod-old1-final-202612011500"
    instances = {i["DBInstanceIdentifier"] for i in client.describe_db_instances()["DBInstances"]}
    assert "innovate-prod-old1-writer" not in instances
    assert "innovate-prod-writer" in instances


def test_a_dry_run_changes_nothing(rds: tuple[Any, list[str]], innovate: PgplatConfig) -> None:
    client, calls = rds
    _aurora(client, "innovate-prod-old1", (NOW - timedelta(days=3)).isoformat())
    calls.clear()
    [cleaned] = clean_up(client, innovate, "prod", now=NOW, dry_run=True)
    assert cleaned.blue.fate == "delete"
    assert cleaned.snapshot is None
    assert not DELETING & set(calls)
    assert _clusters(client) == {"innovate-prod-old1"}


def test_an_rds_instance_old_blue_is_deleted_with_a_final_snapshot(
    rds: tuple[Any, list[str]], northwind: PgplatConfig
) -> None:
    client, _ = rds
    identifier = database_identifier(northwind, "prod")
    for name, hours in ((f"{identifier}-old1", -2), (f"{identifier}-old2", 2)):
        client.create_db_instance(
            DBInstanceIdentifier=name,
            Engine="postgres",
            EngineVersion="16.8",
            DBInstanceClass="db.t4g.micro",
            MasterUsername="postgres",
            MasterUserPassword="not-a-secret-1",
            AllocatedStorage=20,
            DeletionProtection=True,
            Tags=[{"Key": DELETE_AFTER_TAG, "Value": (NOW + timedelta(hours=hours)).isoformat()}],
        )
    cleaned = clean_up(client, northwind, "prod", now=NOW, dry_run=False)
    assert [(c.blue.identifier, c.snapshot is not None) for c in cleaned] == [
        (f"{identifier}-old1", True),
        (f"{identifier}-old2", False),
    ]
    left = {i["DBInstanceIdentifier"] for i in client.describe_db_instances()["DBInstances"]}
    assert left == {f"{identifier}-old2"}
    snapshots = client.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    assert [s["DBSnapshotIdentifier"] for s in snapshots] == [cleaned[0].snapshot]


_NAMES = st.sampled_from(
    ["innovate-prod", "innovate-prod-old1", "innovate-prod-old2", "innovate-prod-old", "x-old1"]
)
_TAGS = st.one_of(
    st.none(),
    st.integers(-48, 48).map(lambda h: (NOW + timedelta(hours=h)).isoformat()),
    st.sampled_from(["", "2026-12-01T10:00:00", "soon"]),  # no zone, or not a time
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(_NAMES, _TAGS, max_size=5))
def test_cleanup_deletes_exactly_the_due_tagged_old_blues(
    innovate: PgplatConfig, databases: dict[str, str | None]
) -> None:
    with mock_aws():
        client = boto3.client("rds", region_name="us-east-1")
        for name, tag in databases.items():
            _aurora(client, name, tag, writer=False)
        clean_up(client, innovate, "prod", now=NOW, dry_run=False)
        due = {
            name
            for name, tag in databases.items()
            if name in ("innovate-prod-old1", "innovate-prod-old2")
            and tag
            and "+" in tag
            and datetime.fromisoformat(tag) <= NOW
        }
        assert _clusters(client) == set(databases) - due


def test_the_cli_refuses_production_without_yes_prod_in_one_line(run_cli: RunCli) -> None:
    result = run_cli("-c", str(INNOVATE), "upgrade", "cleanup", "--env", "prod")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: deleting production's old blue needs --yes-prod; see what would go with --dry-run"
    )
