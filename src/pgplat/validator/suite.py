"""The validation suite engine: the checks a restored copy must pass, run on any PostgreSQL.

One engine serves the on-demand drill and the scheduled AWS Backup restore test. Every check
runs in its own read-only transaction with a statement timeout, so a failing or slow check
never hides the others and nothing a suite declares can change the restored data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, Literal

import psycopg
from psycopg import sql

from pgplat.config.model import Freshness, RowCount, SqlCheck, ValidationSuite

CheckKind = Literal["connect", "table", "row_count", "sql", "freshness"]

DEFAULT_STATEMENT_TIMEOUT = timedelta(seconds=60)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check, worded for a report."""

    kind: CheckKind
    name: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SuiteResult:
    checks: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if not check.passed)


class _CheckFailed(Exception):
    """A check ran and found the restored data wanting."""


def run_suite(
    conn: psycopg.Connection[Any],
    suite: ValidationSuite,
    recovery_point: datetime,
    statement_timeout: timedelta = DEFAULT_STATEMENT_TIMEOUT,
) -> SuiteResult:
    """Run every check of ``suite``; ``recovery_point`` is the instant the copy restores to."""
    conn.autocommit = False
    conn.read_only = True
    timeout_ms = int(statement_timeout.total_seconds() * 1000)
    results = [
        _run_one(conn, kind, name, check, timeout_ms)
        for kind, name, check in _planned(suite, recovery_point)
    ]
    return SuiteResult(tuple(results))


_Check = Callable[[psycopg.Cursor[Any]], str]


def _planned(
    suite: ValidationSuite, recovery_point: datetime
) -> Iterator[tuple[CheckKind, str, _Check]]:
    yield "connect", "server answers", _server_version
    for table in suite.tables:
        yield "table", table, partial(_table_exists, table=table)
    for count in suite.row_counts:
        yield "row_count", count.table, partial(_enough_rows, count=count)
    for check in suite.sql:
        yield "sql", check.name, partial(_expected_value, check=check)
    if suite.freshness is not None:
        fresh = suite.freshness
        yield (
            "freshness",
            f"{fresh.table}.{fresh.column}",
            partial(_fresh_enough, fresh=fresh, recovery_point=recovery_point),
        )


def _run_one(
    conn: psycopg.Connection[Any], kind: CheckKind, name: str, check: _Check, timeout_ms: int
) -> CheckResult:
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(timeout_ms))
            detail = check(cur)
    except _CheckFailed as failed:
        return CheckResult(kind, name, False, str(failed))
    except psycopg.Error as exc:
        return CheckResult(kind, name, False, _one_line(exc))
    return CheckResult(kind, name, True, detail)


def _one_line(exc: psycopg.Error) -> str:
    diag = exc.diag
    text = diag.message_primary or str(exc).strip().splitlines()[0]
    return f"{diag.sqlstate}: {text}" if diag.sqlstate else text


def _qualified(table: str) -> sql.Identifier:
    return sql.Identifier(*table.split("."))


def _server_version(cur: psycopg.Cursor[Any]) -> str:
    version = _scalar(cur, sql.SQL("SELECT current_setting('server_version')"))
    return f"PostgreSQL {version}"


def _table_exists(cur: psycopg.Cursor[Any], table: str) -> str:
    if _scalar(cur, sql.SQL("SELECT to_regclass(%s)::text"), (table,)) is None:
        raise _CheckFailed(f"table {table} does not exist")
    return "exists"


def _enough_rows(cur: psycopg.Cursor[Any], count: RowCount) -> str:
    # Counting stops at the minimum: a drill must not scan a multi-terabyte table in full.
    query = sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {} LIMIT {}) AS enough").format(
        _qualified(count.table), count.min_rows
    )
    found = _scalar(cur, query)
    if found < count.min_rows:
        raise _CheckFailed(f"{found} rows, expected at least {count.min_rows}")
    return f"at least {count.min_rows} rows"


def _expected_value(cur: psycopg.Cursor[Any], check: SqlCheck) -> str:
    cur.execute(check.sql.encode())
    rows = cur.fetchmany(2)
    if len(rows) != 1 or len(rows[0]) != 1:
        raise _CheckFailed(f"query must return one value, returned {_shape(rows)}")
    value = rows[0][0]
    if not _equal(value, check.expect):
        raise _CheckFailed(f"returned {value!r}, expected {check.expect!r}")
    return f"returned {check.expect!r}"


def _shape(rows: list[tuple[Any, ...]]) -> str:
    if not rows:
        return "no rows"
    return f"{'more than one row' if len(rows) > 1 else '1 row'} of {len(rows[0])} column(s)"


def _equal(value: object, expect: str | int | float | bool) -> bool:
    """Compare a database value with a YAML scalar the way a reader of the config means it."""
    if isinstance(expect, bool) or isinstance(value, bool):
        return value is expect
    if isinstance(expect, int | float) and isinstance(value, int | float | Decimal):
        return math.isclose(float(value), float(expect), rel_tol=1e-9, abs_tol=0.0)
    return str(value) == str(expect)


def _fresh_enough(cur: psycopg.Cursor[Any], fresh: Freshness, recovery_point: datetime) -> str:
    query = sql.SQL("SELECT max({}) FROM {}").format(
        sql.Identifier(fresh.column), _qualified(fresh.table)
    )
    newest = _scalar(cur, query)
    if newest is None:
        raise _CheckFailed(f"{fresh.table} has no rows with a {fresh.column}")
    if not isinstance(newest, datetime):
        raise _CheckFailed(f"{fresh.column} is not a timestamp column")
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    lag = max(recovery_point - newest, timedelta(0))
    allowed = timedelta(minutes=fresh.max_lag_minutes)
    lag_text = f"newest row {_minutes(lag)} before the recovery point"
    if lag > allowed:
        raise _CheckFailed(f"{lag_text}, allowed {fresh.max_lag_minutes} min")
    return lag_text


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:.1f} min"


def _scalar(
    cur: psycopg.Cursor[Any], query: sql.SQL | sql.Composed, params: tuple[Any, ...] = ()
) -> Any:
    cur.execute(query, params)
    row = cur.fetchone()
    assert row is not None  # every query above is an aggregate or a function call
    return row[0]
