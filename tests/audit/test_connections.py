"""`pgplat audit connections`: real PostgreSQL log lines, through moto's CloudWatch Logs."""

from __future__ import annotations

import time
from datetime import timedelta

import boto3
import psycopg
import pytest
from moto import mock_aws

from pgplat.audit.connections import insights_query, log_group_name, query_connections, summarize
from pgplat.audit.logformat import parse_connection
from pgplat.commands.audit import parse_since
from pgplat.errors import UserError
from pgplat.local.cluster import LocalCluster, ServerInfo

GROUP = "/aws/rds/cluster/innovate-prod/postgresql"


@pytest.fixture(scope="module")
def server_log_lines(local_pg: ServerInfo, local_cluster: LocalCluster) -> list[str]:
    """Connect as two workloads over TLS, then read what the real server logged."""
    start = local_cluster.log_file.stat().st_size
    for app_name in ("web.web-api", "web.web-api", "analytics.reporting"):
        user = "web" if app_name.startswith("web") else "reporting"
        with psycopg.connect(local_pg.conninfo(user), application_name=app_name) as conn:
            conn.execute("select 1")
    deadline = time.monotonic() + 5
    while True:
        with local_cluster.log_file.open() as log:
            log.seek(start)
            lines = log.read().splitlines()
        if (
            sum("connection authorized" in line for line in lines) >= 3
            or time.monotonic() > deadline
        ):
            return lines
        time.sleep(0.05)


def test_the_server_log_names_user_database_workload_and_client(
    server_log_lines: list[str],
) -> None:
    parsed = [c for c in map(parse_connection, server_log_lines) if c is not None]
    assert [(c.user, c.application) for c in parsed] == [
        ("web", "web.web-api"),
        ("web", "web.web-api"),
        ("reporting", "analytics.reporting"),
    ]
    assert all(c.database == "innovate" and c.client == "127.0.0.1" and c.ssl for c in parsed)


def test_other_lines_are_not_connections() -> None:
    assert (
        parse_connection("2026-11-25 10:00:00 UTC::@:[42]:LOG:  database system is ready") is None
    )
    assert parse_connection("garbage") is None


def test_query_text() -> None:
    assert insights_query() == (
        "fields @timestamp, @message | filter @message like /connection authorized/"
        " | sort @timestamp desc | limit 10000"
    )
    assert "filter @message like /application_name=web.web-api/" in insights_query("web/web-api")
    with pytest.raises(UserError, match="NAMESPACE/SERVICE_ACCOUNT"):
        insights_query("web-api")


def test_log_group_names() -> None:
    assert log_group_name("aurora", "innovate-prod") == GROUP
    assert log_group_name("rds", "northwind-prod") == "/aws/rds/instance/northwind-prod/postgresql"


@mock_aws
def test_query_through_cloudwatch_logs(
    server_log_lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="innovate-prod-writer")
    now_ms = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="innovate-prod-writer",
        logEvents=[
            {"timestamp": now_ms - 1000 + i, "message": line}
            for i, line in enumerate(server_log_lines)
        ],
    )
    found = query_connections(logs, GROUP, timedelta(hours=1), sleep=lambda _s: None)
    summary = summarize(found)
    assert [(s.user, s.application, s.connections) for s in summary] == [
        ("web", "web.web-api", 2),
        ("reporting", "analytics.reporting", 1),
    ]
    assert summary[0].without_tls == 0
    only = query_connections(logs, GROUP, timedelta(hours=1), workload="analytics/reporting")
    assert {c.application for c in only} == {"analytics.reporting"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30m", timedelta(minutes=30)), ("1h", timedelta(hours=1)), ("2d", timedelta(days=2))],
)
def test_since_durations(text: str, expected: timedelta) -> None:
    assert parse_since(text) == expected


def test_bad_since_is_a_user_error() -> None:
    with pytest.raises(UserError, match="like 1h"):
        parse_since("yesterday")
