"""`pgplat upgrade`: major-version upgrades, planned before they are rehearsed or run."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import psycopg
import typer

from pgplat.commands.common import (
    DryRunOption,
    EnvOption,
    ProbeRateOption,
    ReportsOption,
    WarmupOption,
    config_and_project,
    console,
    emit_json,
    finish_drill,
    say,
    state,
    warn,
)
from pgplat.config.model import PgplatConfig
from pgplat.drills.report import seconds_text
from pgplat.errors import UserError
from pgplat.project import Project
from pgplat.upgrade.findings import Prerequisite
from pgplat.upgrade.plan import UpgradePlan, plan_upgrade
from pgplat.upgrade.report import UpgradeReport

app = typer.Typer(help="Major-version upgrades: plan, rehearse on the local twin, run on AWS.")

LOCAL_TWIN = "local"
TargetOption = Annotated[int, typer.Option("--to", help="The target PostgreSQL major, e.g. 18.")]
_MARK = {"ok": "ok     ", "note": "note   ", "warning": "warning", "blocker": "BLOCKER"}


def _inspect(config: PgplatConfig, project: Project, target: str) -> list[Prerequisite]:
    """Data prerequisites read from the local twin or from the database ``target`` names."""
    from pgplat.local.cluster import LocalCluster
    from pgplat.upgrade.inspection import inspect_conninfo

    if target == LOCAL_TWIN:
        conninfo = LocalCluster(config, project.local).info().admin_conninfo()
        where = "the local twin"
    else:
        conninfo, where = target, "the --inspect database"
    try:
        return inspect_conninfo(conninfo)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(
            f"cannot inspect {where}: {reason}; check that it runs and that PGPASSWORD or "
            "~/.pgpass holds the password (never put it on the command line)"
        ) from None


def _out(text: str) -> None:
    """One line of the report, never read as markup (it quotes the user's names)."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _render(plan: UpgradePlan) -> None:
    _out(
        f"Upgrade plan for environments.{plan.environment}: {plan.flavor} {plan.source} -> "
        f"PostgreSQL {plan.target_major} (upgrade targets: {plan.targets_source})"
    )
    if plan.inspected is None:
        _out("  data not inspected: pass --inspect local or --inspect CONNINFO")
    for p in plan.prerequisites:
        _out(f"  {_MARK[p.status]}  {p.check}: {p.detail}")
        if p.fix and p.status != "ok":
            _out(f"             fix: {p.fix}")
    cost = plan.cost_of_waiting
    _out(
        f"Staying on {cost.major} costs Extended Support from {cost.starts}: "
        f"${cost.monthly_usd_years_1_2:,.0f}/month, ${cost.monthly_usd_year_3:,.0f}/month from "
        f"{cost.year_3_starts} ({cost.basis}; rates of {cost.rates_as_of}, {cost.rates_source})"
    )
    verdict = (
        "ready: no blocker"
        if plan.ready
        else f"blocked: {len(plan.blockers)} blocker(s) to fix before `pgplat upgrade run`"
    )
    _out(verdict)


@app.command("plan")
def plan(
    ctx: typer.Context,
    env: EnvOption = "prod",
    to: TargetOption = 18,
    inspect: Annotated[
        str | None,
        typer.Option(
            "--inspect",
            help="Also check the data: 'local' (the running twin) or a libpq conninfo of a "
            "database reachable from here; its password from PGPASSWORD or ~/.pgpass.",
        ),
    ] = None,
    ask_aws: Annotated[
        bool,
        typer.Option(
            "--ask-aws",
            help="Read the upgrade targets from DescribeDBEngineVersions in the data account "
            "(default: pgplat's dated table).",
        ),
    ] = False,
) -> None:
    """Check the path to a major and every prerequisite; exit 1 while a blocker remains."""
    config, project = config_and_project(ctx)
    if env not in config.environments.cloud():
        raise UserError(f"--env {env}: no such cloud environment; use one of prod, dev")
    offered = None
    if ask_aws:
        from pgplat.aws.sessions import data_account_session
        from pgplat.upgrade.targets import offered_by_aws

        environment = config.environments.cloud()[env]
        offered = offered_by_aws(
            data_account_session(config, env), environment.flavor, config.engine_version(env)
        )
    result = plan_upgrade(
        config,
        env,
        to,
        today=date.today(),
        data_prerequisites=_inspect(config, project, inspect) if inspect else None,
        inspected=inspect and (LOCAL_TWIN if inspect == LOCAL_TWIN else "conninfo"),
        offered=offered,
    )
    if state(ctx).output == "json":
        emit_json(result.as_dict())
    else:
        _render(result)
    if not result.ready:
        raise typer.Exit(1)


@app.command("rehearse")
def rehearse(
    ctx: typer.Context,
    to: TargetOption = 18,
    rate: ProbeRateOption = 20.0,
    warmup: WarmupOption = 2.0,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", min=1, help="Seconds each wait (sync, catch-up, recovery) may take."
        ),
    ] = 120.0,
    reports: ReportsOption = None,
    keep: Annotated[
        bool,
        typer.Option(
            "--keep",
            help="When the rehearsal passes, green becomes the local twin (same port, "
            "passwords and CA; the old major's cluster is replaced).",
        ),
    ] = False,
) -> None:
    """Rehearse the Blue/Green upgrade on a copy of the local twin under a probe workload;
    measure sync, lag, unavailability and lost writes. The twin is left as it was unless
    --keep."""
    from pgplat.upgrade.rehearsal import RehearsalOptions, env_file_port_moved
    from pgplat.upgrade.rehearsal import rehearse as run_rehearsal

    config, project = config_and_project(ctx)
    options = RehearsalOptions(to, rate, warmup, timeout, reports, keep)
    report, paths = run_rehearsal(config, project, options, say=lambda line: say(ctx, line))
    if report.kept and (moved := env_file_port_moved(config, project)):
        warn(f"the kept twin listens on port {moved}: run `pgplat dev up` to rewrite .env")
    finish_drill(ctx, report, lambda: _rehearsal_summary(ctx, report, paths))


def _rehearsal_summary(ctx: typer.Context, report: UpgradeReport, paths: tuple[Path, ...]) -> None:
    if state(ctx).quiet:
        return
    _out(f"{report.outcome.upper()} {report.message}".rstrip())
    _out(f"  PostgreSQL {report.source} -> {report.target}")
    _out(f"  initial sync       {seconds_text(report.sync_seconds)}")
    _out(
        f"  lag at switchover  {report.lag_bytes} bytes, caught up in {seconds_text(report.catch_up_seconds)}"
    )
    switch = report.switchover
    if switch is not None and switch.figures is not None:
        f = switch.figures
        _out(f"  writes unavailable {f.write_unavailable_seconds:.2f} s")
        _out(f"  errors surfaced    {f.errors}")
        _out(f"  writes lost        {len(switch.lost_writes)} of {f.writes_acknowledged}")
    for p in report.failed_prerequisites:
        _out(f"  BLOCKER {p.check}: {p.detail}")
    for difference in report.differences:
        _out(f"  differs: {difference}")
    for regression in report.regressions:
        _out(f"  broken by the upgrade: {regression}")
    if report.kept:
        _out(f"  the local twin now runs PostgreSQL {report.target} (kept with --keep)")
    _out(f"report: {', '.join(str(p) for p in paths)}")


@app.command("run")
def run(
    ctx: typer.Context,
    env: EnvOption = "prod",
    to: TargetOption = 18,
    target_version: Annotated[
        str | None,
        typer.Option(
            "--target-version",
            help="Green's exact version (default: the newest of the major in pgplat's table).",
        ),
    ] = None,
    yes_prod: Annotated[
        bool, typer.Option("--yes-prod", help="Allow switching production over.")
    ] = False,
    rate: ProbeRateOption = 20.0,
    warmup: WarmupOption = 5.0,
    switchover_timeout: Annotated[
        int,
        typer.Option(
            "--switchover-timeout",
            min=30,
            max=3600,
            help="Seconds AWS may take to switch over before it rolls back.",
        ),
    ] = 300,
    keep_blue_hours: Annotated[
        float,
        typer.Option("--keep-blue-hours", min=0, help="Hours the old blue stays for a rollback."),
    ] = 24.0,
    reports: ReportsOption = None,
) -> None:
    """Upgrade ENV's major with an RDS Blue/Green deployment: validate green, switch over under
    a probe workload, keep the old blue for the rollback period. Needs the data account."""
    from datetime import timedelta

    from pgplat.aws.sessions import data_account_session
    from pgplat.upgrade.run import RunOptions, run_upgrade

    config, project = config_and_project(ctx)
    options = RunOptions(
        env,
        to,
        target_version,
        yes_prod,
        rate,
        warmup,
        switchover_timeout=switchover_timeout,
        keep_blue=timedelta(hours=keep_blue_hours),
        reports=reports,
    )
    report, paths = run_upgrade(
        data_account_session(config, env),
        config,
        project,
        options,
        say=lambda line: say(ctx, line),
        warn=warn,
    )
    finish_drill(ctx, report, lambda: _rehearsal_summary(ctx, report, paths))
    if report.passed:
        say(ctx, f'now set engine_version: "{report.target}" in the configuration and deploy')


@app.command("cleanup")
def cleanup(
    ctx: typer.Context,
    env: EnvOption = "prod",
    dry_run: DryRunOption = False,
    yes_prod: Annotated[
        bool, typer.Option("--yes-prod", help="Allow deleting production's old blue.")
    ] = False,
) -> None:
    """Delete the old blue of a finished `upgrade run` once its rollback period is over
    (its pgplat:delete-after tag), keeping a final snapshot. Needs the data account."""
    from datetime import UTC, datetime

    from pgplat.aws.sessions import data_account_session
    from pgplat.upgrade.cleanup import clean_up

    config = config_and_project(ctx)[0]
    if env not in config.environments.cloud():
        raise UserError(f"--env {env}: no such cloud environment; use one of prod, dev")
    if env == "prod" and not (yes_prod or dry_run):
        raise UserError(
            "deleting production's old blue needs --yes-prod; see what would go with --dry-run"
        )
    rds = data_account_session(config, env).client("rds")
    cleaned = clean_up(rds, config, env, now=datetime.now(UTC), dry_run=dry_run)
    if state(ctx).output == "json":
        emit_json([c.as_dict() for c in cleaned])
        return
    if not cleaned:
        say(ctx, f"no old blue of environments.{env} carries pgplat:delete-after: nothing to do")
    for c in cleaned:
        blue = c.blue
        if blue.fate == "unreadable":
            warn(
                f"{blue.identifier}: pgplat:delete-after={blue.tag!r} is not a time with a zone; "
                "left alone (fix the tag, or delete the database yourself)"
            )
        elif blue.fate == "keep":
            say(ctx, f"kept {blue.identifier} ({blue.engine_version}) until {blue.tag}")
        elif c.snapshot is None:
            say(
                ctx, f"would delete {blue.identifier} ({blue.engine_version}), final snapshot first"
            )
        else:
            say(
                ctx,
                f"deleting {blue.identifier} ({blue.engine_version}); final snapshot {c.snapshot}",
            )
