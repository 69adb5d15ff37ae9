"""`pgplat drill`: prove that recovery works.

``pgplat drill restore`` restores the production database into a temporary copy and proves it
works; ``pgplat drill cleanup`` removes copies left by killed restore drills; ``pgplat drill
failover`` (:mod:`pgplat.commands.failover`) fails the writer over under a probe.
"""

from __future__ import annotations

import ipaddress
from contextlib import nullcontext
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, cast, get_args

import typer
from rich.live import Live
from rich.markup import escape
from rich.spinner import Spinner
from rich.text import Text

from pgplat.commands import failover as failover_cmd
from pgplat.commands.common import (
    DryRunOption,
    EnvOption,
    ReportsOption,
    config_and_project,
    config_from,
    emit_json,
    err_console,
    finish_drill,
    say,
    state,
    warn,
)
from pgplat.drills.restore.cleanup import DEFAULT_GRACE
from pgplat.drills.restore.plan import DrillOptions
from pgplat.drills.restore.report import RestoreReport
from pgplat.drills.restore.restore import RestoreFrom
from pgplat.drills.restore.run import CLEANUP_DEADLINE, RestoreDrill, clean_up
from pgplat.errors import UserError
from pgplat.validator.access import QuietProgress
from pgplat.validator.connect import CopyAuth

app = typer.Typer(
    help="Prove that recovery works: restore drills (and their clean-up), failover drills.",
    no_args_is_help=True,
)
app.command("failover")(failover_cmd.failover)


class LiveProgress:
    """A spinner line: the phase, what the copy is doing, time spent and time left."""

    def __init__(self, live: Live) -> None:
        self._live = live
        self._phase = "starting"

    def phase(self, text: str) -> None:
        self._phase = text
        self._live.update(Spinner("dots", Text(text)))

    def waiting(self, status: str, elapsed: timedelta, remaining: timedelta) -> None:
        line = f"{self._phase}: {status}  [{_clock(elapsed)} elapsed, {_clock(remaining)} left]"
        self._live.update(Spinner("dots", Text(line)))


@app.command()
def restore(
    ctx: typer.Context,
    env: EnvOption = "prod",
    restore_from: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="latest-snapshot|pitr",
            help="The latest snapshot, or point-in-time from the logs.",
        ),
    ] = "latest-snapshot",
    at: Annotated[
        datetime | None,
        typer.Option("--at", help="With --from pitr: the instant to restore (UTC unless given)."),
    ] = None,
    auth: Annotated[
        str,
        typer.Option(
            "--auth", metavar="master|iam", help="A throwaway master password on the copy, or IAM."
        ),
    ] = "master",
    user: Annotated[
        str | None, typer.Option("--user", help="With --auth iam: a user granted rds_iam.")
    ] = None,
    ca_bundle: Annotated[
        Path | None,
        typer.Option(
            "--ca-bundle",
            envvar="PGPLAT_RDS_CA_BUNDLE",
            help="RDS CA bundle to verify the copy's certificate (default: system store).",
        ),
    ] = None,
    tunnel: Annotated[
        str | None,
        typer.Option(
            "--tunnel", help="IP:PORT of a tunnel to the private endpoint (e.g. SSM port forward)."
        ),
    ] = None,
    deadline: Annotated[
        int, typer.Option("--deadline", min=0, help="Minutes until the copy must be usable.")
    ] = 90,
    reports: ReportsOption = None,
) -> None:
    """Restore ENV's database into a tagged temporary copy, validate it, and delete it."""
    options = DrillOptions(
        env=env,
        restore_from=cast(RestoreFrom, _choice(restore_from, RestoreFrom, "--from")),
        at=at,
        auth=cast(CopyAuth, _choice(auth, CopyAuth, "--auth")),
        iam_user=user,
        ca_file=ca_bundle,
        via=_tunnel(tunnel) if tunnel else None,
        deadline=timedelta(minutes=deadline),
    )
    config, project = config_and_project(ctx)
    drill = RestoreDrill(config, options)
    plan = drill.plan
    say(ctx, f"drilling {plan.source.identifier}: {plan.point.restore_from} -> {plan.copy_id}")
    show = not state(ctx).quiet and state(ctx).output == "text"
    live = Live(console=err_console, transient=True) if show else None
    with live or nullcontext():
        progress = LiveProgress(live) if live else QuietProgress()
        report, paths = drill.run(reports or project.drills, progress, _warn)
    finish_drill(ctx, report, lambda: _summary(ctx, report, paths))


@app.command()
def cleanup(
    ctx: typer.Context,
    env: EnvOption = "prod",
    older_than: Annotated[
        int, typer.Option("--older-than", min=1, help="Hours a drill copy may live.")
    ] = int(DEFAULT_GRACE.total_seconds() // 3600),
    dry_run: DryRunOption = False,
) -> None:
    """Delete drill copies (tagged pgplat:drill) older than --older-than hours."""
    config = config_from(ctx)
    orphans, leftover = clean_up(config, env, timedelta(hours=older_than), dry_run=dry_run)
    if state(ctx).output == "json":
        emit_json(
            {
                "orphans": [o.as_dict() for o in orphans],
                "deleted": not dry_run,
                "leftover": leftover,
            }
        )
    else:
        verb = "would delete" if dry_run else "deleted"
        for orphan in orphans:
            say(ctx, f"{verb} {orphan.drill_id} (started {orphan.started:%Y-%m-%d %H:%M} UTC)")
        say(ctx, f"{len(orphans)} orphaned drill cop{'y' if len(orphans) == 1 else 'ies'}")
    if leftover:
        minutes = int(CLEANUP_DEADLINE.total_seconds() // 60)
        raise UserError(
            f"still deleting after {minutes} min: {', '.join(leftover)}; run cleanup again"
        )


def _warn(message: str) -> None:
    warn(message)


def _summary(ctx: typer.Context, report: RestoreReport, paths: tuple[Path, ...]) -> None:
    colour = "green" if report.passed else "red"
    say(ctx, f"[{colour}]{report.outcome.upper()}[/] {escape(report.message)}".rstrip())
    for check in report.checks:
        mark = "[green]ok[/]  " if check.passed else "[red]FAIL[/]"
        say(ctx, f"  {mark} {check.kind:<9} {escape(check.name)}: {escape(check.detail)}")
    rto = report.recovery_time_seconds
    say(ctx, f"recovery time: {'not reached' if rto is None else f'{rto:.0f} s'}")
    say(ctx, f"recovery point: {report.recovery_point_seconds:.0f} s of data at risk")
    if report.leftover:
        leftover = escape(", ".join(report.leftover))
        say(ctx, f"[red]NOT deleted:[/] {leftover}; run `pgplat drill cleanup`")
    say(ctx, f"report: {paths[0]} and {paths[1]}")


def _choice(value: str, literal: object, option: str) -> str:
    allowed = get_args(literal)
    if value not in allowed:
        raise typer.BadParameter(f"choose {' or '.join(allowed)}", param_hint=option)
    return value


def _tunnel(value: str) -> tuple[str, int]:
    address, _, port = value.rpartition(":")
    try:
        ipaddress.ip_address(address)
        return address, int(port)
    except ValueError:
        raise typer.BadParameter(
            "write IP:PORT, e.g. 127.0.0.1:15432", param_hint="--tunnel"
        ) from None


def _clock(delta: timedelta) -> str:
    minutes, seconds = divmod(int(delta.total_seconds()), 60)
    return f"{minutes}:{seconds:02d}"
