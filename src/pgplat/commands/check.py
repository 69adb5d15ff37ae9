"""`pgplat check`: the policy gate for people and CI (exit 0 only when nothing fails)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, cast

import typer
from rich.markup import escape
from rich.table import Table

from pgplat.commands.common import (
    FORMER_CDK_OUT,
    CdkOutOption,
    EnvsOption,
    SynthOption,
    config_and_project,
    console,
    emit_json,
    hidden_aliases,
    output_formats,
    state,
)
from pgplat.errors import UserError
from pgplat.policy.cdknag import DEFAULT_PACKS, PACKS
from pgplat.policy.findings import CHECK_LAYERS, SEVERITY_RANK, Severity
from pgplat.policy.junit import to_junit
from pgplat.policy.report import Report
from pgplat.policy.sarif import to_sarif

Format = Literal["table", "json", "sarif", "junit"]
FORMATS: tuple[Format, ...] = ("table", "json", "sarif", "junit")
_STYLE: dict[Severity, str] = {"error": "red", "warning": "yellow", "info": "blue"}
_THRESHOLDS: tuple[Severity, ...] = ("error", "warning")
_T = TypeVar("_T", bound=str)


def _also_written(flag: str, report: str) -> Any:
    """--sarif and --junit: the report in another format to a file, whatever stdout shows."""
    return typer.Option(flag, help=f"Also write {report} to this file.")


@output_formats("sarif", "junit")
@hidden_aliases({**FORMER_CDK_OUT, "--from-cdk-out": ("--no-synth", "--cdk-out")})
def cmd(
    ctx: typer.Context,
    env: EnvsOption = None,
    cdk_out: CdkOutOption = None,
    synth: SynthOption = True,
    pack: Annotated[
        list[str] | None,
        typer.Option("--pack", help=f"cdk-nag pack (repeatable): {', '.join(PACKS)}."),
    ] = None,
    layer: Annotated[
        list[str] | None,
        typer.Option(
            "--layer", help=f"Run only these layers (repeatable): {', '.join(CHECK_LAYERS)}."
        ),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="error or warning (default: check.fail_on)."),
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option("--format", help="table, json, sarif or junit on stdout (default: -o)."),
    ] = None,
    sarif: Annotated[Path | None, _also_written("--sarif", "SARIF 2.1.0")] = None,
    junit: Annotated[Path | None, _also_written("--junit", "JUnit XML")] = None,
) -> None:
    """Run our rules, the cross-account chain check, the isolation proof, cdk-nag and
    cfn-lint over the templates (synthesized into --cdk-out, reused while the config is unchanged);
    exit 1 while a finding at the threshold remains."""
    # Imported here: synthesis loads the CDK, which every other command can do without.
    from pgplat.infra.app import synthesize
    from pgplat.policy.assembly import Assembly
    from pgplat.policy.gate import run_check

    config, project = config_and_project(ctx)
    layers = _pick(layer, CHECK_LAYERS, "--layer") if layer else CHECK_LAYERS
    packs = _pick(pack, tuple(PACKS), "--pack") if pack else DEFAULT_PACKS
    threshold = _pick([fail_on], _THRESHOLDS, "--fail-on")[0] if fail_on else None
    default_format = cast(Format, "table" if state(ctx).output == "text" else state(ctx).output)
    chosen = _pick([output_format], FORMATS, "--format")[0] if output_format else default_format
    environments = _pick(env, tuple(config.environments.cloud()), "--env")
    outdir = cdk_out or project.cdk_out
    assembly = (
        Assembly.of_synthesis(
            synthesize(config, outdir, reuse=True, base_dir=project.root), config
        )
        if synth
        else Assembly.load(outdir, config)
    )
    report = run_check(
        config,
        assembly,
        layers=layers,
        packs=packs,
        environments=environments or None,
        fail_on=threshold,
    )
    if sarif is not None:
        sarif.write_text(_sarif_text(report))
    if junit is not None:
        junit.write_text(to_junit(report))
    if chosen == "json":
        emit_json(report.to_dict())
    elif chosen == "sarif":
        typer.echo(_sarif_text(report), nl=False)
    elif chosen == "junit":
        typer.echo(to_junit(report), nl=False)
    elif not state(ctx).quiet or not report.passed:
        render(report)
    if not report.passed:
        raise typer.Exit(1)


def _pick(given: list[str] | None, allowed: tuple[_T, ...], option: str) -> tuple[_T, ...]:
    """The given choices, checked against ``allowed`` (a UserError names the bad one)."""
    chosen = []
    for value in given or []:
        match = next((a for a in allowed if a == value), None)
        if match is None:
            raise UserError(f"{option} {value!r} is not one of: {', '.join(allowed)}")
        chosen.append(match)
    return tuple(chosen)


def _sarif_text(report: Report) -> str:
    return json.dumps(to_sarif(report), indent=2) + "\n"


def render(report: Report) -> None:
    """Findings grouped by environment (one table each), most severe first, with fix hints;
    then waivers, acknowledgements and the verdict."""
    findings = report.ordered()
    for environment in sorted({f.environment or "all" for f in findings}):
        table = Table(title=f"{environment}", title_justify="left", expand=True)
        for column in ("severity", "rule", "layer", "resource", "finding / fix"):
            table.add_column(column, overflow="fold")
        for f in (f for f in findings if (f.environment or "all") == environment):
            where = escape(f.place or "-")
            fix = f"\n[dim]fix: {escape(f.fix)}[/]" if f.fix else ""
            style = _STYLE[f.severity]
            row = (f.rule_id, f.layer, where, escape(f.message) + fix)
            table.add_row(f"[{style}]{f.severity}[/]", *row)
        console.print(table)
    if report.waived:
        console.print(f"[bold]Waived[/] ({len(report.waived)}):")
        for w in report.waived:
            f = w.finding
            console.print(
                f"  {f.rule_id} {f.stack or ''}/{f.logical_id or ''} until {w.waiver.expires}: "
                f"{w.waiver.reason}",
                highlight=False,
                markup=False,
            )
    _render_acknowledgements(report)
    console.print(_verdict(report), highlight=False)


def _render_acknowledgements(report: Report) -> None:
    """One line per accepted rule and reason, with how many resources it covers."""
    if not report.acknowledged:
        return
    counted = Counter((a.layer, a.rule_id, a.reason) for a in report.acknowledged)
    table = Table(title="Acknowledged in code", title_justify="left", expand=True)
    for column in ("layer", "rule", "resources", "reason"):
        table.add_column(column, overflow="fold")
    for (layer, rule, reason), count in sorted(counted.items()):
        scope = "every template" if layer == "cfn-lint" else str(count)
        table.add_row(layer, rule, scope, escape(reason))
    console.print(table)


def _verdict(report: Report) -> str:
    counts = Counter(f.severity for f in report.findings)
    summary = ", ".join(
        f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}"
        for s in sorted(SEVERITY_RANK, key=SEVERITY_RANK.__getitem__, reverse=True)
    )
    layers = ", ".join(report.layers)
    if report.passed:
        return f"[green]✓ check passed[/] ({summary}; fail on {report.fail_on}; layers: {layers})"
    return (
        f"[red]✗ check failed:[/] {len(report.failing)} finding(s) at or above "
        f"{report.fail_on} ({summary}; layers: {layers})"
    )
