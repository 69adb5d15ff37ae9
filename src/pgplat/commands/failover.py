"""`pgplat drill failover`: fail the writer over while a probe writes and reads, and report
what the application felt."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import boto3
import typer
from botocore.exceptions import BotoCoreError, ClientError

from pgplat.commands.common import config_from, err_console, finish_drill, say, state
from pgplat.drills.failover.drills import LOCAL, aws_drill, local_drill
from pgplat.drills.failover.report import FailoverReport, publish
from pgplat.drills.failover.runner import Timing
from pgplat.local.cluster import LocalCluster

LOCAL_SETTLE = 1.0
AWS_SETTLE = 10.0


def failover(
    ctx: typer.Context,
    env: Annotated[
        str, typer.Option("--env", help="local (pgplat dev + standby) or a cloud environment.")
    ] = LOCAL,
    yes_prod: Annotated[
        bool, typer.Option("--yes-prod", help="Allow failing production over.")
    ] = False,
    target: Annotated[
        str | None, typer.Option("--target", help="Aurora: the reader instance to promote.")
    ] = None,
    rate: Annotated[
        float, typer.Option("--rate", min=1, max=500, help="Probe writes (and reads) per second.")
    ] = 20.0,
    warmup: Annotated[
        float, typer.Option("--warmup", min=0, help="Seconds of probing before the failover.")
    ] = 2.0,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for writes to recover.")
    ] = 120.0,
    settle: Annotated[
        float | None,
        typer.Option(
            "--settle",
            min=0,
            help="Seconds of quiet after the last failover signal before the drill ends "
            "(default: 1 local, 10 AWS, where the old writer may return as a reader).",
        ),
    ] = None,
    reports: Annotated[
        Path | None,
        typer.Option("--reports", help="Directory for the reports (default: .pgplat/drills)."),
    ] = None,
) -> None:
    """Fail ENV's writer over under a probe workload; measure detection, unavailability,
    errors and lost writes. AWS: FailoverDBCluster (Aurora) or a reboot with failover (RDS)."""
    from pgplat.commands.drill import DEFAULT_REPORTS  # that module registers this one

    config = config_from(ctx)
    default_settle = LOCAL_SETTLE if env == LOCAL else AWS_SETTLE
    timing = Timing(
        warmup=warmup, settle=default_settle if settle is None else settle, timeout=timeout
    )
    if env == LOCAL:
        project = state(ctx).config_path.absolute().parent
        primary = LocalCluster(config, project / config.environments.local.data_dir)
        say(ctx, f"failover drill on the local server in {primary.root}, probe at {rate:g}/s")
        report = local_drill(primary, rate=rate, timing=timing)
    else:
        session = boto3.Session(region_name=config.region)
        say(ctx, f"failover drill on {config.database_identifier(env)}, probe at {rate:g}/s")
        report = aws_drill(
            session, config, env, yes_prod=yes_prod, target_reader=target, rate=rate, timing=timing
        )
        try:
            publish(session.client("cloudwatch"), config.database_identifier(env), report)
        except (ClientError, BotoCoreError) as exc:
            err_console.print(f"[yellow]warning:[/] failover metrics not published: {exc}")
    paths = report.write(reports or DEFAULT_REPORTS)
    finish_drill(ctx, report, lambda: _summary(ctx, report, paths))


def _summary(ctx: typer.Context, report: FailoverReport, paths: tuple[Path, ...]) -> None:
    colour = "green" if report.passed else "red"
    say(ctx, f"[{colour}]{report.outcome.upper()}[/] {report.message}".rstrip())
    figures = report.figures
    if figures is not None:
        detected = figures.detection_seconds
        say(ctx, f"  detected after     {'-' if detected is None else f'{detected:.2f} s'}")
        say(ctx, f"  writes unavailable {figures.write_unavailable_seconds:.2f} s")
        say(ctx, f"  reads unavailable  {figures.read_unavailable_seconds:.2f} s")
        say(ctx, f"  errors surfaced    {figures.errors}")
        say(ctx, f"  writes lost        {len(report.lost_writes)} of {figures.writes_acknowledged}")
    say(ctx, f"report: {', '.join(str(p) for p in paths)}")
