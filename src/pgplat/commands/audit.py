"""`pgplat audit connections | trail`: who reached the database, from which workload."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from pgplat.audit.connections import log_group_name, query_connections, summarize
from pgplat.audit.trail import assumptions, lookup_assume_role_events
from pgplat.aws.sessions import data_account_session
from pgplat.commands.common import EnvOption, config_from, emit_json, print_table, state
from pgplat.errors import UserError
from pgplat.infra.access_names import AccessNames
from pgplat.naming import database_identifier

app = typer.Typer(help="Trace database sessions to workloads and IAM roles.", no_args_is_help=True)

SinceOption = Annotated[str, typer.Option("--since", help="How far back: 30m, 1h, 2d.")]
_DURATION = re.compile(r"^(\d+)([mhd])$")


def parse_since(text: str) -> timedelta:
    """``30m`` / ``1h`` / ``2d`` as a timedelta."""
    match = _DURATION.match(text)
    if match is None:
        raise UserError(f"--since {text!r}: write a number and m, h or d, like 1h")
    unit = {"m": "minutes", "h": "hours", "d": "days"}[match[2]]
    return timedelta(**{unit: int(match[1])})


@app.command()
def connections(
    ctx: typer.Context,
    env: EnvOption = "prod",
    since: SinceOption = "1h",
    workload: Annotated[
        str | None, typer.Option(help="Only this workload, as NAMESPACE/SERVICE_ACCOUNT.")
    ] = None,
) -> None:
    """Who connected, when, from where and how often (CloudWatch Logs Insights)."""
    config = config_from(ctx)
    settings = config.environments.cloud().get(env)
    if settings is None:
        raise UserError(f"--env {env}: not a configured cloud environment")
    group = log_group_name(settings.flavor, database_identifier(config, env))
    logs = data_account_session(config, env).client("logs")
    found = query_connections(logs, group, parse_since(since), workload)
    rows = summarize(found)
    if state(ctx).output == "json":
        emit_json([vars(r) for r in rows])
        return
    table = Table(title=f"connections to {group} in the last {since}")
    for column in ("database user", "workload", "client", "sessions", "first", "last", "no TLS"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.user,
            r.application,
            r.client,
            str(r.connections),
            f"{r.first_seen:%Y-%m-%d %H:%M}",
            f"{r.last_seen:%Y-%m-%d %H:%M}",
            str(r.without_tls),
        )
    print_table(table)


@app.command()
def trail(ctx: typer.Context, env: EnvOption = "prod", since: SinceOption = "1h") -> None:
    """The AssumeRole calls into the database roles, with the workload's session name."""
    config = config_from(ctx)
    names = AccessNames(config, env)
    roles = {names.data_role_arn(user) for user in config.database.users}
    cloudtrail = data_account_session(config, env).client("cloudtrail")
    end = datetime.now(UTC)
    events = lookup_assume_role_events(cloudtrail, end - parse_since(since), end)
    found = assumptions(events, roles)
    if state(ctx).output == "json":
        emit_json([vars(a) for a in found])
        return
    table = Table(title=f"AssumeRole into {env} database roles in the last {since}")
    for column in ("time", "database role", "session (workload)", "caller", "source IP"):
        table.add_column(column)
    for a in found:
        table.add_row(
            f"{a.at:%Y-%m-%d %H:%M:%S}",
            a.role_arn.rsplit("/", 1)[-1],
            a.session_name,
            a.caller,
            a.source_ip,
        )
    print_table(table)
