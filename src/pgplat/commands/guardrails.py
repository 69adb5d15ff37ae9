"""`pgplat guardrails --out DIR`: write the SCPs, key-policy statements and their README."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pgplat.commands.common import config_from, emit_json, say, state
from pgplat.guardrails import build_guardrails, write_guardrails
from pgplat.guardrails.validate import SCP_MAX_CHARS


def guardrails(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory to write the guardrails into.")],
) -> None:
    """Write the service control policies and key-policy statements that keep non-prod out
    of production data, with a README on attaching them."""
    config = config_from(ctx)
    generated = build_guardrails(config)
    written = write_guardrails(generated, out)
    sizes = generated.sizes()
    if state(ctx).output == "json":
        emit_json({"out": str(out), "files": [str(p) for p in written], "scp_sizes": sizes})
        return
    for path in written:
        size = sizes.get(path.stem)
        note = f" ({size} of {SCP_MAX_CHARS} characters)" if size is not None else ""
        say(ctx, f"[green]✓[/] {path}{note}")
