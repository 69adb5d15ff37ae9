"""`pgplat audit connections`: a CloudWatch Logs Insights query over the database log group.

The query only narrows the log to ``connection authorized`` lines; parsing and counting happen
here, so the same code reads a live CloudWatch result, a recorded one, or a local server log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pgplat.audit.logformat import Connection, parse_connection
from pgplat.errors import UserError

QUERY_LIMIT = 10000


def log_group_name(flavor: str, identifier: str) -> str:
    """Where RDS exports the PostgreSQL log of a cluster (Aurora) or an instance (RDS)."""
    kind = "cluster" if flavor == "aurora" else "instance"
    return f"/aws/rds/{kind}/{identifier}/postgresql"


def insights_query(workload: str | None = None) -> str:
    """The Logs Insights query: authorized connections, newest first, optionally one workload."""
    lines = [
        "fields @timestamp, @message",
        "filter @message like /connection authorized/",
    ]
    if workload is not None:
        lines.append(f"filter @message like /application_name={_identity(workload)}/")
    lines += ["sort @timestamp desc", f"limit {QUERY_LIMIT}"]
    return " | ".join(lines)


def _identity(workload: str) -> str:
    """``namespace/service-account`` as pgplat.connect writes it into application_name."""
    namespace, slash, account = workload.partition("/")
    if not slash or not namespace or not account:
        raise UserError(f"--workload {workload!r}: write it as NAMESPACE/SERVICE_ACCOUNT")
    return f"{namespace}.{account}"


def opened_by(connection: Connection, identity: str) -> bool:
    """Whether the session was opened by the workload ``namespace.service-account``, with or
    without the pod name pgplat.connect appends when POD_NAME is set."""
    application = connection.application
    return application == identity or application.startswith(f"{identity}.")


@dataclass(frozen=True)
class ConnectionSummary:
    """Who connected, from where, how often, in the queried period."""

    user: str
    application: str
    client: str
    connections: int
    first_seen: datetime
    last_seen: datetime
    without_tls: int


def summarize(connections: Iterable[Connection]) -> list[ConnectionSummary]:
    """Group sessions by database user, workload and client address; busiest first."""
    groups: dict[tuple[str, str, str], list[Connection]] = {}
    for c in connections:
        groups.setdefault((c.user, c.application, c.client), []).append(c)
    summaries = [
        ConnectionSummary(
            user=user,
            application=application,
            client=client,
            connections=len(members),
            first_seen=min(m.at for m in members),
            last_seen=max(m.at for m in members),
            without_tls=sum(not m.ssl for m in members),
        )
        for (user, application, client), members in groups.items()
    ]
    return sorted(summaries, key=lambda s: (-s.connections, s.user, s.application))


def query_connections(
    logs: Any,
    log_group: str,
    since: timedelta,
    workload: str | None = None,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 120,
) -> list[Connection]:
    """Run the query on ``logs`` (a boto3 CloudWatch Logs client) and parse what it returns."""
    end = int(now())
    query_id = logs.start_query(
        logGroupName=log_group,
        startTime=end - int(since.total_seconds()),
        endTime=end,
        queryString=insights_query(workload),
        limit=QUERY_LIMIT,
    )["queryId"]
    waited = 0.0
    while True:
        result = logs.get_query_results(queryId=query_id)
        if result["status"] in ("Complete", "Failed", "Cancelled", "Timeout"):
            break
        if waited >= timeout:
            raise UserError(
                f"the Logs Insights query on {log_group} did not finish in {timeout:.0f} s"
            )
        sleep(1)
        waited += 1
    if result["status"] != "Complete":
        raise UserError(f"the Logs Insights query on {log_group} ended {result['status']}")
    identity = _identity(workload) if workload else None
    found = []
    for row in result["results"]:
        message = next((f["value"] for f in row if f["field"] == "@message"), "")
        connection = parse_connection(message)
        if connection and (identity is None or opened_by(connection, identity)):
            found.append(connection)
    return found
