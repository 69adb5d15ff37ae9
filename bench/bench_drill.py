"""The restore drill's own cost, next to doing the same work by hand, in one run:

* the validation suite (innovate's checks plus SQL checks) on a real local PostgreSQL, against
  the same queries run back to back in one plain transaction: the price of one read-only
  transaction and statement timeout per check;
* a whole drill against moto's RDS (restore, instance, throwaway password, log in, validate,
  teardown), against the bare boto3 calls that restore and delete the same copy with no
  waiting, validation or report.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import boto3
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pgplat.config.loader import load_config  # noqa: E402
from pgplat.config.model import PgplatConfig, SqlCheck  # noqa: E402
from pgplat.drills.restore.plan import DrillOptions, prepare  # noqa: E402
from pgplat.drills.restore.runner import Drill  # noqa: E402
from pgplat.local.cluster import LocalCluster, ServerInfo  # noqa: E402
from pgplat.validator.suite import run_suite  # noqa: E402
from tests.fixtures.drill import (  # noqa: E402
    DRILL_NEWEST_ORDER,
    DrillCopy,
    FakeClock,
    create_drill_copy,
    open_data_account,
)
from tests.fixtures.examples import INNOVATE  # noqa: E402
from tests.fixtures.postgres import server_root  # noqa: E402

from common import Row, median_seconds  # noqa: E402


@contextlib.contextmanager
def local_server() -> Iterator[ServerInfo]:
    cluster = LocalCluster(load_config(INNOVATE), server_root("bench-drill") / "local", port=0)
    try:
        yield cluster.up()
    finally:
        cluster.destroy()


def rows() -> list[Row]:
    config = load_config(INNOVATE)
    restore_test = config.environments.prod.backup.restore_test
    assert restore_test is not None
    suite = restore_test.validation.model_copy(
        update={
            "sql": [
                SqlCheck(name="orders", sql="SELECT count(*) FROM app.orders", expect=120),
                SqlCheck(name="revenue", sql="SELECT sum(total) FROM app.orders", expect=21840),
            ]
        }
    )
    plain = [
        "SELECT to_regclass('app.users')",
        "SELECT to_regclass('app.orders')",
        "SELECT count(*) FROM (SELECT 1 FROM app.users LIMIT 1) AS s",
        "SELECT count(*) FROM app.orders",
        "SELECT sum(total) FROM app.orders",
        "SELECT max(created_at) FROM app.orders",
    ]
    point = DRILL_NEWEST_ORDER + timedelta(minutes=5)
    with local_server() as server:
        stand_in = create_drill_copy(server)
        with stand_in.connect() as conn:
            ours = median_seconds(lambda: run_suite(conn, suite, point), repeat=21)
        with stand_in.connect() as conn:

            def by_hand() -> None:
                with conn.transaction():
                    for query in plain:
                        conn.execute(query.encode()).fetchone()

            baseline = median_seconds(by_hand, repeat=21)
        drill, raw = _drill_round_trip(config, stand_in)
    return [
        Row(
            "validation suite (8 checks, real PostgreSQL)",
            "pgplat run_suite",
            ours * 1000,
            "same queries, one transaction",
            baseline * 1000,
            "ms",
        ),
        Row(
            "drill on moto RDS (Aurora, snapshot)",
            "pgplat Drill.run",
            drill * 1000,
            "bare boto3 restore + delete",
            raw * 1000,
            "ms",
        ),
    ]


def _drill_round_trip(config: PgplatConfig, stand_in: DrillCopy) -> tuple[float, float]:
    with mock_aws():
        account = open_data_account(boto3.Session(region_name="us-east-1"))
        rds = account.rds

        def one_drill() -> None:
            clock = FakeClock()
            plan, restorer = prepare(config, DrillOptions(), rds, account.ec2, clock.now())
            plan = replace(plan, dbname=stand_in.dbname)
            report = Drill(restorer, clock, stand_in.route).run(plan)
            assert report.passed, report.to_markdown()

        counter = iter(range(10_000))

        def by_hand() -> None:
            name = f"raw-{next(counter)}"
            rds.restore_db_cluster_from_snapshot(
                DBClusterIdentifier=name,
                SnapshotIdentifier="innovate-manual",
                Engine="aurora-postgresql",
                DBSubnetGroupName="innovate-prod",
            )
            rds.create_db_instance(
                DBInstanceIdentifier=f"{name}-1",
                DBClusterIdentifier=name,
                Engine="aurora-postgresql",
                DBInstanceClass="db.r6g.large",
            )
            rds.delete_db_instance(DBInstanceIdentifier=f"{name}-1", SkipFinalSnapshot=True)
            rds.modify_db_cluster(DBClusterIdentifier=name, DeletionProtection=False)
            rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)

        return median_seconds(one_drill, repeat=7), median_seconds(by_hand, repeat=7)
