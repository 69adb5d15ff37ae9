"""`pgplat advise`: RDS or Aurora for a workload, with reasons and monthly costs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.table import Table

from pgplat.commands.common import (
    config_and_project,
    console,
    emit_json,
    hidden_aliases,
    labelled,
    print_table,
    say,
    state,
    warn,
)
from pgplat.config.calendar import Flavor
from pgplat.design.advisor import (
    ASSUMPTIONS,
    LABELS,
    TARGET_CPU,
    Advice,
    WorkloadProfile,
    advise,
    configured_workload,
)
from pgplat.design.extended_support import ExtendedSupportCost, staying_costs
from pgplat.design.prices import PRICE_LIST_REGION, load_prices, refresh_region, save_prices
from pgplat.errors import UserError
from pgplat.project import Project

_REFRESHED = Project(Path()).prices
"""The refreshed table's place in a project, for the help text."""

_RENAMED = {
    "reads_per_second": "reads",
    "writes_per_second": "writes",
    "growth_gib_per_month": "growth_gib",
    "availability_target": "availability",
}
"""Profile keys of earlier releases, refused with their new name (the flag's)."""


@hidden_aliases({"--backup-retention-days": ("--retention-days",)})
def cmd(
    ctx: typer.Context,
    profile: Annotated[
        Path | None,
        typer.Option(
            "--profile",
            help="Workload profile, YAML or JSON, keyed by these flags' names (data_gib: 500). "
            "Default: production's provisioned load, from the configuration.",
        ),
    ] = None,
    reads: Annotated[float | None, typer.Option(help="Average reads per second.")] = None,
    writes: Annotated[float | None, typer.Option(help="Average writes per second.")] = None,
    data_gib: Annotated[float | None, typer.Option(help="Data size today, GiB.")] = None,
    growth_gib: Annotated[float | None, typer.Option(help="Data growth, GiB per month.")] = None,
    connections: Annotated[int | None, typer.Option(help="Peak concurrent connections.")] = None,
    availability: Annotated[
        float | None, typer.Option(help="Availability target, percent (e.g. 99.99).")
    ] = None,
    read_heavy: Annotated[
        bool | None,
        typer.Option("--read-heavy/--not-read-heavy", help="Default: reads >= 4 x writes."),
    ] = None,
    peak_to_average: Annotated[
        float | None, typer.Option(help="Peak load over average; 3 or more is spiky.")
    ] = None,
    horizon_months: Annotated[
        int | None, typer.Option(help="Price storage at its size after this many months.")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="AWS region (default: the configuration's).")
    ] = None,
    backup_retention_days: Annotated[
        int | None,
        typer.Option(
            "--retention-days", help="Backup retention (default: prod's in the config, or 14)."
        ),
    ] = None,
    prices: Annotated[
        Path | None,
        typer.Option(help=f"Price table (default: {_REFRESHED} if present, else shipped)."),
    ] = None,
    refresh_prices: Annotated[
        bool,
        typer.Option(
            "--refresh-prices",
            help=f"Fetch the region's prices from the AWS Price List API into --prices "
            f"(default {_REFRESHED}) and stop.",
        ),
    ] = False,
) -> None:
    """Recommend RDS or Aurora for a workload, with reasons and estimated monthly costs."""
    setting = _context(ctx, region, backup_retention_days)
    if refresh_prices:
        _refresh(ctx, setting.region, prices or setting.project.prices)
        return
    flags = {
        "reads": reads,
        "writes": writes,
        "data_gib": data_gib,
        "growth_gib": growth_gib,
        "connections": connections,
        "availability": availability,
        "read_heavy": read_heavy,
        "peak_to_average": peak_to_average,
        "horizon_months": horizon_months,
    }
    table = load_prices(prices, refreshed=setting.project.prices)
    workload, sources = _profile(profile, flags, setting.workload)
    advice = advise(workload, table, setting.region, setting.retention)
    if not state(ctx).quiet:
        for warning in advice.warnings:
            warn(warning)
    if state(ctx).output == "json":
        staying = {name: cost.as_dict() for name, cost in setting.extended_support.items()}
        emit_json(
            {
                **advice.to_json(),
                "profile_sources": sources,
                "configured_flavor": setting.configured,
                "extended_support": staying,
            }
        )
    else:
        _render(advice, setting.configured, sources)
        for name, cost in setting.extended_support.items():
            line = (
                f"environments.{name} staying on PostgreSQL {cost.major} costs Extended Support "
                f"from {cost.starts}: ${cost.monthly_usd_years_1_2:,.0f}/month, "
                f"${cost.monthly_usd_year_3:,.0f}/month from {cost.year_3_starts} ({cost.basis}); "
                f"see `pgplat upgrade plan --env {name}`"
            )
            console.print(labelled("note", "yellow", line), highlight=False, soft_wrap=True)


@dataclass(frozen=True)
class _Setting:
    region: str
    retention: int
    configured: Flavor | None
    """Production's flavor in the configuration, to compare the advice with."""
    project: Project
    """Where a refreshed price table is kept."""
    extended_support: dict[str, ExtendedSupportCost] = field(default_factory=dict)
    """What each environment pays if it stays on a major near or past standard support."""
    workload: dict[str, float] = field(default_factory=dict)
    """Production's provisioned load: the profile where the file and flags say nothing."""


def _context(ctx: typer.Context, region: str | None, retention: int | None) -> _Setting:
    """Region and backup retention: flags first, then the configuration if there is one."""
    if state(ctx).config_path.is_file():
        config, project = config_and_project(ctx)
        prod = config.environments.prod
        return _Setting(
            region or config.region,
            retention or prod.backup.retention_days,
            prod.flavor,
            project,
            staying_costs(config, date.today()),
            configured_workload(prod),
        )
    if region is None:
        raise UserError(
            f"no region: pass --region or point --config at a pgplat.yaml "
            f"({state(ctx).config_path} does not exist)"
        )
    return _Setting(region, retention or 14, None, state(ctx).project())


def _profile(
    path: Path | None, flags: dict[str, Any], configured: dict[str, float]
) -> tuple[WorkloadProfile, dict[str, str]]:
    """Flags over the profile file over the configuration's workload; and where each field
    came from ("flag", "profile", "configuration" or "default")."""
    layers = {
        "configuration": configured,
        "profile": _profile_file(path) if path is not None else {},
        "flag": {k: v for k, v in flags.items() if v is not None},
    }
    data: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for source, values in layers.items():
        data.update(values)
        sources.update(dict.fromkeys(values, source))
    try:
        profile = WorkloadProfile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "profile"
        raise UserError(
            f"workload profile: {name}: {error['msg']} (set it with {_flag(name)} or {name} "
            "in --profile)"
        ) from None
    return profile, {name: sources.get(name, "default") for name in WorkloadProfile.model_fields}


def _flag(name: str) -> str:
    return f"--{name.replace('_', '-')}"


def _profile_file(path: Path) -> dict[str, Any]:
    """A profile file's fields; its keys are the flags' names (``data_gib`` or ``data-gib``)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read workload profile {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"workload profile {path} is not YAML or JSON: {exc}") from None
    if not isinstance(loaded, dict):
        raise UserError(f"workload profile {path} must be a mapping of fields to values")
    data = {str(key).replace("-", "_"): value for key, value in loaded.items()}
    for key in data:
        if key in _RENAMED:
            new = _RENAMED[key]
            raise UserError(
                f"workload profile {path}: {key} is now {new}, the name of its flag "
                f"{_flag(new)}; rename the key"
            )
        if key not in WorkloadProfile.model_fields:
            raise UserError(
                f"workload profile {path}: unknown key {key}; the keys are the flags' names: "
                f"{', '.join(WorkloadProfile.model_fields)}"
            )
    return data


def _refresh(ctx: typer.Context, region: str, path: Path) -> None:
    import boto3

    table = load_prices(path if path.is_file() else None)
    client = boto3.client("pricing", region_name=PRICE_LIST_REGION)
    save_prices(refresh_region(table, region, client), path)
    say(ctx, f"[green]✓[/] refreshed {region} prices into {path}")
    if state(ctx).output == "json":
        emit_json({"refreshed": region, "file": str(path)})


def _render(advice: Advice, configured: Flavor | None, sources: dict[str, str]) -> None:
    console.print(f"[bold]Recommendation: {LABELS[advice.recommendation]}[/]", highlight=False)
    for reason in advice.reasons:
        console.print(f"  • {reason}", highlight=False, markup=False)
    for tradeoff in advice.tradeoffs:
        console.print(f"  but: {tradeoff}", highlight=False, markup=False)
    if configured is not None:
        verdict = "agrees" if configured == advice.engine else "differs: weigh the reasons above"
        console.print(
            f"environments.prod.flavor is {configured}: the configuration {verdict}",
            soft_wrap=True,
        )
    from_config = [name for name, source in sources.items() if source == "configuration"]
    if from_config:
        line = (
            f"workload {', '.join(from_config)}: what environments.prod's instances carry at "
            f"{TARGET_CPU:.0%} CPU and its storage (flags and --profile override them)"
        )
        console.print(labelled("note", "yellow", line), highlight=False, soft_wrap=True)
    for note in advice.notes:
        console.print(labelled("note", "yellow", note), highlight=False, soft_wrap=True)
    if advice.estimates:
        _render_costs(advice)


def _render_costs(advice: Advice) -> None:
    chosen = advice.estimate(advice.recommendation)
    table = Table(
        title=f"Estimated monthly cost in {advice.priced_region} (prices of {advice.prices_date})"
    )
    table.add_column("option")
    table.add_column("instances")
    table.add_column("USD/month", justify="right")
    table.add_column("made of", overflow="fold")
    for estimate in advice.estimates:
        mark = "→ " if estimate is chosen else "  "
        parts = "\n".join(f"{line.item}: ${line.monthly:,.2f}" for line in estimate.lines)
        table.add_row(
            mark + LABELS[estimate.option],
            estimate.instance_class,
            f"{estimate.monthly:,.2f}",
            parts,
        )
    print_table(table)
    for estimate in advice.estimates:
        for note in estimate.notes:
            line = f"{LABELS[estimate.option]}: {note}"
            console.print(labelled("note", "yellow", line), highlight=False)
    console.print(f"prices: {advice.prices_source}", style="dim", highlight=False, markup=False)
    console.print("[dim]assumptions (see --output json for all figures):[/]")
    for assumption in ASSUMPTIONS:
        console.print(f"  - {assumption}", style="dim", highlight=False, markup=False)
