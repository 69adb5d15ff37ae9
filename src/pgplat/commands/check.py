"""`pgplat check`: the policy gate for people and CI (exit 0 only when nothing fails)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

import typer
from rich.console import Console
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
    print_table,
    progress,
    say_notices,
    state,
    warn,
)
from pgplat.commands.notices import folded
from pgplat.errors import UserError
from pgplat.policy.cdknag import DEFAULT_PACKS, PACKS
from pgplat.policy.findings import CHECK_LAYERS, SEVERITY_RANK, CheckLayer, Severity
from pgplat.policy.junit import to_junit
from pgplat.policy.report import LayerResult, Report
from pgplat.policy.sarif import to_sarif
from pgplat.policy.verdicts import Question, Verdicts, digests

Format = Literal["text", "json", "sarif", "junit"]
FORMATS: tuple[Format, ...] = get_args(Format)
"""What ``-o`` may name for `pgplat check`: the global text and json, then sarif and junit."""
_STYLE: dict[Severity, str] = {"error": "red", "warning": "yellow", "info": "blue"}
_THRESHOLDS: tuple[Severity, ...] = ("error", "warning")
_COUNTED: tuple[Severity, ...] = tuple(
    sorted(SEVERITY_RANK, key=SEVERITY_RANK.__getitem__, reverse=True)
)
"""Severities as the verdict and the per-layer counts show them: errors first."""
_T = TypeVar("_T", bound=str)


def _also_written(flag: str, report: str) -> Any:
    """--sarif and --junit: the report in another format to a file, whatever stdout shows."""
    return typer.Option(flag, help=f"Also write {report} to this file.")


@output_formats(*FORMATS[2:])
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
        typer.Option("--fail-on", metavar="error|warning", help="Default: check.fail_on."),
    ] = None,
    show_acknowledged: Annotated[
        bool,
        typer.Option(
            "--show-acknowledged", help="List the findings acknowledged in code (default: a count)."
        ),
    ] = False,
    former_format: Annotated[
        str | None, typer.Option("--format", hidden=True, help="Deprecated: use -o.")
    ] = None,
    sarif: Annotated[Path | None, _also_written("--sarif", "SARIF 2.1.0")] = None,
    junit: Annotated[Path | None, _also_written("--junit", "JUnit XML")] = None,
) -> None:
    """Run our rules, the cross-account chain check, the isolation proof, cdk-nag and
    cfn-lint over the templates (synthesized into --cdk-out, reused while the config is unchanged);
    exit 1 while a finding at the threshold remains."""
    layers = _pick(layer, CHECK_LAYERS, "--layer") if layer else CHECK_LAYERS
    packs = _pick(pack, tuple(PACKS), "--pack") if pack else DEFAULT_PACKS
    threshold = _pick([fail_on], _THRESHOLDS, "--fail-on")[0] if fail_on else None
    chosen = _output(ctx, former_format)
    config_file = state(ctx).config_path
    project = state(ctx).project()
    outdir = cdk_out or project.cdk_out
    environments = tuple(env or ())
    question = Question(config_file, project.root, outdir, layers, packs, environments, threshold)
    today = date.today()
    # a synthesis of its own is judged again only when something it was judged from changed
    verdicts = Verdicts(outdir) if synth else None
    recalled = verdicts.recall(question, today) if verdicts is not None else None
    if recalled is not None:
        say_notices(ctx, recalled.notices)
        with progress(ctx, "nothing changed since the last check: its report stands"):
            report = recalled.report
    else:
        report = _judged(ctx, question, today, synth=synth, verdicts=verdicts)
    if sarif is not None:
        sarif.write_text(_sarif_text(report, config_file))
    if junit is not None:
        junit.write_text(to_junit(report))
    if chosen == "json":
        emit_json(report.to_dict())
    elif chosen == "sarif":
        typer.echo(_sarif_text(report, config_file), nl=False)
    elif chosen == "junit":
        typer.echo(to_junit(report), nl=False)
    elif not state(ctx).quiet or not report.passed:
        render(report, console, show_acknowledged=show_acknowledged)
    if not report.passed:
        raise typer.Exit(1)


def _judged(
    ctx: typer.Context, question: Question, today: date, *, synth: bool, verdicts: Verdicts | None
) -> Report:
    """The check run in full: the configuration loaded, the assemblies synthesized (or read
    as they are, without ``synth``), every layer run or found in the layer cache; the report
    is kept in ``verdicts`` with the digests of the files it was computed from."""
    from pgplat.infra.record import ca_bundle_files
    from pgplat.policy.assembly import Assembly
    from pgplat.policy.cache import CACHE_FILE, ResultCache
    from pgplat.policy.gate import checked_synthesis, run_check

    config_digest = digests([question.config_file])
    config, project = config_and_project(ctx)
    environments = _pick(list(question.environments), tuple(config.environments.cloud()), "--env")
    bundles = digests(ca_bundle_files(config, project.root).values())
    outdir, layers, packs = question.cdk_out, question.layers, question.packs
    known: dict[CheckLayer, LayerResult] = {}
    # results are kept beside pgplat's own synthesis, never in an assembly it did not write
    cache = ResultCache((outdir if synth else project.cdk_out) / CACHE_FILE)
    if not synth:
        assembly = Assembly.load(outdir, config)
    else:
        nag_packs = packs if "cdk-nag" in layers else ()
        with progress(ctx, f"synthesizing into {outdir} (reused while the config is unchanged)"):
            synthesis, known = checked_synthesis(
                config,
                outdir,
                base_dir=project.root,
                packs=nag_packs,
                lint_into=cache if "cfn-lint" in layers else None,
            )
        assembly = Assembly.of_synthesis(synthesis, config)
    with progress(ctx, f"checking: {', '.join(layers)}"):
        report = run_check(
            config,
            assembly,
            layers=layers,
            packs=packs,
            environments=environments or None,
            fail_on=question.fail_on,
            today=today,
            cache=cache,
            known=known,
        )
    if verdicts is not None:
        files = {**config_digest, **bundles, **assembly.read}
        verdicts.keep(question, today, report, notices=folded(config.warnings()), files=files)
    return report


def _pick(given: list[str] | None, allowed: tuple[_T, ...], option: str) -> tuple[_T, ...]:
    """The given choices, checked against ``allowed`` (a UserError names the bad one)."""
    chosen = []
    for value in given or []:
        match = next((a for a in allowed if a == value), None)
        if match is None:
            raise UserError(f"{option} {value!r} is not one of: {', '.join(allowed)}")
        chosen.append(match)
    return tuple(chosen)


def _output(ctx: typer.Context, former_format: str | None) -> Format:
    """The report's format: the global ``-o``, or the deprecated ``--format`` (whose
    ``table`` is ``text``)."""
    if former_format is None:
        return _pick([state(ctx).output], FORMATS, "-o/--output")[0]
    warn("--format is deprecated: use -o/--output (text, json, sarif or junit)")
    chosen = "text" if former_format == "table" else former_format
    return _pick([chosen], FORMATS, "--format")[0]


def _sarif_text(report: Report, config_file: Path) -> str:
    return json.dumps(to_sarif(report, config_file), indent=2) + "\n"


def render(report: Report, out: Console, *, show_acknowledged: bool = False) -> None:
    """The verdict and the counts per layer first; then the findings grouped by environment
    (one table each), most severe first, with fix hints; then waivers, and the
    acknowledgements (listed only when asked for: there are hundreds)."""
    out.print(_verdict(report), highlight=False)
    print_table(_counts(report), out)
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
        print_table(table, out)
    if report.waived:
        out.print(f"[bold]Waived[/] ({len(report.waived)}):")
        for w in report.waived:
            f = w.finding
            out.print(
                f"  {f.rule_id} {f.stack or ''}/{f.logical_id or ''} until {w.expires}: {w.reason}",
                highlight=False,
                markup=False,
            )
    if show_acknowledged:
        _render_acknowledgements(report, out)
    elif report.acknowledged:
        rules = _counted(len({(a.layer, a.rule_id) for a in report.acknowledged}), "rule")
        out.print(
            f"{len(report.acknowledged)} acknowledged in code ({rules}); "
            "list them with --show-acknowledged",
            highlight=False,
        )


def _counts(report: Report) -> Table:
    """Per layer: findings by severity, waived and acknowledged."""
    columns = (*_COUNTED, "waived", "acknowledged")
    table = Table(title="per layer", title_justify="left")
    table.add_column("layer")
    for column in columns:
        table.add_column(column, justify="right")
    waivers = ("waivers",) if any(f.layer == "waivers" for f in report.findings) else ()
    for layer in (*report.layers, *waivers):
        counts: Counter[str] = Counter(f.severity for f in report.findings if f.layer == layer)
        counts["waived"] = sum(1 for w in report.waived if w.finding.layer == layer)
        counts["acknowledged"] = sum(1 for a in report.acknowledged if a.layer == layer)
        table.add_row(layer, *(str(counts[c]) for c in columns))
    return table


def _render_acknowledgements(report: Report, out: Console) -> None:
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
    print_table(table, out)


def _counted(count: int, noun: str) -> str:
    """``1 error``, ``2 errors``; ``info`` has no plural."""
    return f"{count} {noun}{'s' if count != 1 and noun != 'info' else ''}"


def _verdict(report: Report) -> str:
    counts = Counter(f.severity for f in report.findings)
    summary = ", ".join(_counted(counts[s], s) for s in _COUNTED)
    tally = f"{summary}; {len(report.acknowledged)} acknowledged, {len(report.waived)} waived"
    if report.passed:
        return f"[green]✓ check passed[/] (fail on {report.fail_on}): {tally}"
    return (
        f"[red]✗ check failed:[/] {len(report.failing)} finding(s) at or above "
        f"{report.fail_on}: {tally}"
    )
