"""`pgplat diagram`: the architecture picture of the configuration, as SVG or PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pgplat.commands.common import EnvsOption, config_from, emit_json, say, state, warn
from pgplat.design.diagram import describe, render


def cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Picture to write: FILE.svg or FILE.png.")],
    env: EnvsOption = None,
    plain: Annotated[
        bool, typer.Option("--plain", help="Plain boxes instead of AWS icons.")
    ] = False,
) -> None:
    """Draw the accounts, networks, database, keys, backups and monitoring of the config."""
    config = config_from(ctx)
    rendered = render(describe(config, env or None), out, plain=plain)
    if rendered.notice and not state(ctx).quiet:
        warn(rendered.notice)
    if state(ctx).output == "json":
        emit_json({"file": str(rendered.path), "icons": rendered.icons})
    say(ctx, f"[green]✓[/] wrote {rendered.path}")
