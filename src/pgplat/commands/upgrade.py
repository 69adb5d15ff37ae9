"""`pgplat upgrade`: major-version upgrades, planned before they are rehearsed or run."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import psycopg
import typer

from pgplat.commands.common import EnvOption, config_and_project, console, emit_json, state
from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.project import Project
from pgplat.upgrade.findings import Prerequisite
from pgplat.upgrade.plan import UpgradePlan, plan_upgrade

app = typer.Typer(help="Major-version upgrades: plan, rehearse on the local twin, run on AWS.")

LOCAL_TWIN = "local"
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
    to: Annotated[int, typer.Option("--to", help="The target PostgreSQL major, e.g. 18.")] = 18,
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
