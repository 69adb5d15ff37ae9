"""The validation engine against a real PostgreSQL holding known data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest

from pgplat.config.model import Freshness, RowCount, SqlCheck, ValidationSuite
from pgplat.validator.suite import SuiteResult, run_suite
from tests.fixtures.drill import DRILL_NEWEST_ORDER, DRILL_ORDERS, DRILL_USERS, DrillCopy

RECOVERY_POINT = DRILL_NEWEST_ORDER + timedelta(minutes=30)

GOOD = ValidationSuite(
    tables=["app.users", "app.orders"],
    row_counts=[
        RowCount(table="app.users", min_rows=DRILL_USERS),
        RowCount(table="app.orders", min_rows=100),
    ],
    sql=[
        SqlCheck(name="orders", sql="SELECT count(*) FROM app.orders", expect=DRILL_ORDERS),
        SqlCheck(name="revenue", sql="SELECT sum(total) FROM app.orders", expect=21840.0),
        SqlCheck(
            name="no orphans",
            sql="SELECT NOT EXISTS (SELECT 1 FROM app.orders o "
            "LEFT JOIN app.users u ON u.id = o.user_id WHERE u.id IS NULL)",
            expect=True,
        ),
        SqlCheck(
            name="first user",
            sql="SELECT email FROM app.users WHERE id = 1",
            expect="user1@innovate.example",
        ),
        SqlCheck(
            name="percent sign",
            sql="SELECT count(*) FROM app.users WHERE email LIKE 'user1%'",
            expect=11,
        ),
    ],
    freshness=Freshness(table="app.orders", column="created_at", max_lag_minutes=60),
)


def _run(drill_copy: DrillCopy, suite: ValidationSuite) -> SuiteResult:
    with drill_copy.connect() as conn:
        return run_suite(conn, suite, RECOVERY_POINT)


def _only_failure(result: SuiteResult) -> Any:
    assert not result.passed
    assert len(result.failures) == 1, result.failures
    return result.failures[0]


def test_a_good_copy_passes_every_check(drill_copy: DrillCopy) -> None:
    result = _run(drill_copy, GOOD)
    assert result.passed, result.failures
    kinds = [check.kind for check in result.checks]
    assert kinds == ["connect", "table", "table", "row_count", "row_count"] + ["sql"] * 5 + [
        "freshness"
    ]
    assert result.checks[0].detail.startswith("PostgreSQL 14.")
    assert result.checks[-1].detail == "newest row 30.0 min before the recovery point"


def test_missing_table_fails(drill_copy: DrillCopy) -> None:
    failure = _only_failure(_run(drill_copy, ValidationSuite(tables=["app.users", "app.invoices"])))
    assert (failure.kind, failure.name) == ("table", "app.invoices")
    assert failure.detail == "table app.invoices does not exist"


def test_too_few_rows_fails(drill_copy: DrillCopy) -> None:
    suite = ValidationSuite(row_counts=[RowCount(table="app.users", min_rows=DRILL_USERS + 1)])
    failure = _only_failure(_run(drill_copy, suite))
    assert failure.kind == "row_count"
    assert failure.detail == f"{DRILL_USERS} rows, expected at least {DRILL_USERS + 1}"


def test_row_count_of_a_missing_table_fails_with_the_server_error(drill_copy: DrillCopy) -> None:
    suite = ValidationSuite(row_counts=[RowCount(table="app.gone", min_rows=1)])
    failure = _only_failure(_run(drill_copy, suite))
    assert failure.detail == '42P01: relation "app.gone" does not exist'


@pytest.mark.parametrize(
    ("check", "detail"),
    [
        (
            SqlCheck(name="count", sql="SELECT count(*) FROM app.users", expect=26),
            "returned 25, expected 26",
        ),
        (SqlCheck(name="flag", sql="SELECT false", expect=True), "returned False, expected True"),
        (
            SqlCheck(name="text", sql="SELECT email FROM app.users WHERE id = 2", expect="x"),
            "returned 'user2@innovate.example', expected 'x'",
        ),
        (
            SqlCheck(name="rows", sql="SELECT id FROM app.users", expect=1),
            "query must return one value, returned more than one row of 1 column(s)",
        ),
        (
            SqlCheck(name="none", sql="SELECT id FROM app.users WHERE false", expect=1),
            "query must return one value, returned no rows",
        ),
        (
            SqlCheck(name="broken", sql="SELECT nonsense FROM app.users", expect=1),
            '42703: column "nonsense" does not exist',
        ),
    ],
)
def test_sql_check_with_an_unexpected_result_fails(
    drill_copy: DrillCopy, check: SqlCheck, detail: str
) -> None:
    failure = _only_failure(_run(drill_copy, ValidationSuite(sql=[check])))
    assert (failure.kind, failure.name, failure.detail) == ("sql", check.name, detail)


def test_stale_data_fails_freshness(drill_copy: DrillCopy) -> None:
    suite = ValidationSuite(
        freshness=Freshness(table="app.orders", column="created_at", max_lag_minutes=10)
    )
    failure = _only_failure(_run(drill_copy, suite))
    assert failure.kind == "freshness"
    assert failure.detail == "newest row 30.0 min before the recovery point, allowed 10 min"


def test_freshness_on_a_non_timestamp_column_fails(drill_copy: DrillCopy) -> None:
    suite = ValidationSuite(freshness=Freshness(table="app.orders", column="total"))
    assert _only_failure(_run(drill_copy, suite)).detail == "total is not a timestamp column"


def test_checks_cannot_write_and_one_failure_does_not_hide_the_next(drill_copy: DrillCopy) -> None:
    suite = ValidationSuite(
        sql=[
            SqlCheck(name="write", sql="DELETE FROM app.orders RETURNING 1", expect=1),
            SqlCheck(name="after", sql="SELECT count(*) FROM app.orders", expect=DRILL_ORDERS),
        ]
    )
    result = _run(drill_copy, suite)
    failure = _only_failure(result)
    assert failure.name == "write"
    assert failure.detail.startswith("25006: cannot execute DELETE in a read-only transaction")


def test_statement_timeout_stops_a_slow_check(drill_copy: DrillCopy) -> None:
    suite = ValidationSuite(
        sql=[SqlCheck(name="slow", sql="SELECT pg_sleep(5) IS NULL", expect=False)]
    )
    with drill_copy.connect() as conn:
        result = run_suite(
            conn, suite, RECOVERY_POINT, statement_timeout=timedelta(milliseconds=200)
        )
    assert _only_failure(result).detail == "57014: canceling statement due to statement timeout"


def test_the_connection_is_left_usable(drill_copy: DrillCopy) -> None:
    with drill_copy.connect() as conn:
        run_suite(conn, ValidationSuite(tables=["app.nope"]), RECOVERY_POINT)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
