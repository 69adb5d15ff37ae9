"""`pgplat drill failover`: fail the writer over while a probe writes and reads, and report
what the application felt."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pgplat.commands.common import (
    AnyEnvOption,
    ProbeRateOption,
    ReportsOption,
    WarmupOption,
    config_and_project,
    finish_drill,
    say,
    warn,
)
from pgplat.drills.failover.drills import LOCAL, FailoverOptions, run_failover_drill
from pgplat.drills.failover.report import FailoverReport


def failover(
    ctx: typer.Context,
    env: AnyEnvOption = LOCAL,
    yes_prod: Annotated[
        bool, typer.Option("--yes-prod", help="Allow failing production over.")
    ] = False,
    target: Annotated[
        str | None, typer.Option("--target", help="Aurora: the reader instance to promote.")
    ] = None,
    rate: ProbeRateOption = 20.0,
    warmup: WarmupOption = 2.0,
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
    reports: ReportsOption = None,
) -> None:
    """Fail ENV's writer over under a probe workload; measure detection, unavailability,
    errors and lost writes. AWS: FailoverDBCluster (Aurora) or a reboot with failover (RDS)."""
    config, project = config_and_project(ctx)
    options = FailoverOptions(env, yes_prod, target, rate, warmup, timeout, settle, reports)
    report, paths = run_failover_drill(
        config,
        project,
        options,
        say=lambda line: say(ctx, line),
        warn=warn,
    )
    finish_drill(ctx, report, lambda: _summary(ctx, report, paths))


def _summary(ctx: typer.Context, report: FailoverReport, paths: tuple[Path, ...]) -> None:
    colour = "green" if report.passed else "red"
    say(ctx, f"[{colour}]{report.outcome.upper()}[/] {escape(report.message)}".rstrip())
    figures = report.figures
    if figures is not None:
        detected = figures.detection_seconds
        say(ctx, f"  detected after     {'-' if detected is None else f'{detected:.2f} s'}")
        say(ctx, f"  writes unavailable {figures.write_unavailable_seconds:.2f} s")
        say(ctx, f"  reads unavailable  {figures.read_unavailable_seconds:.2f} s")
        say(ctx, f"  errors surfaced    {figures.errors}")
        say(ctx, f"  writes lost        {len(report.lost_writes)} of {figures.writes_acknowledged}")
    say(ctx, f"report: {', '.join(str(p) for p in paths)}")
