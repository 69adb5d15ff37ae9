"""`pgplat config …` and `pgplat init`: validate, describe and start a configuration file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pgplat.commands.common import (
    config_from,
    console,
    emit_json,
    print_error,
    print_table,
    say,
    state,
)
from pgplat.config.errors import ConfigError
from pgplat.config.explain import effective_settings
from pgplat.config.loader import load_config
from pgplat.config.model import PgplatConfig
from pgplat.config.starter import starter_text
from pgplat.errors import UserError

app = typer.Typer(
    help="Validate, explain and describe the configuration file.", no_args_is_help=True
)

FileArg = Annotated[
    Path | None, typer.Argument(help="Configuration file (default: the global --config).")
]


@app.command()
def validate(ctx: typer.Context, file: FileArg = None) -> None:
    """Check a configuration file; list every problem with its line, exit 2 if any."""
    path = file or state(ctx).config_path
    try:
        config = config_from(ctx, file)
    except ConfigError as exc:
        if state(ctx).output == "json":
            emit_json({"valid": False, "errors": [_error_json(e) for e in exc.problems]})
        else:
            print_error(exc)
        raise typer.Exit(2) from None
    if state(ctx).output == "json":
        emit_json({"valid": True, "file": str(path), "warnings": config.warnings()})
    else:
        envs = ", ".join(config.environments.cloud())
        say(ctx, f"[green]✓[/] {escape(str(path))} is valid ({escape(envs)}, local)")


def _error_json(error: ConfigError) -> dict[str, Any]:
    from pgplat.config.errors import dotted

    return {
        "file": error.file,
        "line": error.line,
        "field": dotted(error.path),
        "message": error.message,
    }


@app.command()
def schema() -> None:
    """Print the JSON Schema of pgplat.yaml (for editor completion and CI validation)."""
    console.print_json(json.dumps(PgplatConfig.model_json_schema(by_alias=True)))


@app.command()
def explain(ctx: typer.Context, file: FileArg = None) -> None:
    """Show the effective configuration: every setting, its source, and the derived windows."""
    config = config_from(ctx, file)
    rows = effective_settings(config)
    if state(ctx).output == "json":
        emit_json({r.path: {"value": r.value, "source": r.source} for r in rows})
        return
    table = Table(title=f"Effective configuration of {config.name}", show_lines=False)
    table.add_column("setting", style="cyan", overflow="fold", ratio=3)
    table.add_column("value", overflow="fold", ratio=3)
    table.add_column("source", style="dim", min_width=7)
    for row in rows:
        table.add_row(row.path, str(row.value), row.source)
    print_table(table)


def init(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the starter file.")] = Path(
        "pgplat.yaml"
    ),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter configuration that validates as it is."""
    if path.exists() and not force:
        raise UserError(f"{path} exists; pass --force to overwrite it")
    path.write_text(starter_text(), encoding="utf-8")
    load_config(path)
    if state(ctx).output == "json":
        emit_json({"file": str(path)})
    else:
        say(
            ctx,
            f"wrote {escape(str(path))}; edit the accounts and CIDRs, then run `pgplat config validate`",
        )
