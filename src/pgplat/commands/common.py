"""What every command shares: global options, config loading, and human or JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import typer
from rich.console import Console

from pgplat.config import PgplatConfig, load_config

DEFAULT_CONFIG = Path("pgplat.yaml")
OutputFormat = Literal["text", "json"]

console = Console()
err_console = Console(stderr=True)


@dataclass
class State:
    """Global options, stored on the Typer context by the root callback."""

    config_path: Path = DEFAULT_CONFIG
    output: OutputFormat = "text"
    quiet: bool = False


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def config_from(ctx: typer.Context, override: Path | None = None) -> PgplatConfig:
    """Load the configuration named by the command or the global --config; print warnings."""
    st = state(ctx)
    config = load_config(override or st.config_path)
    if not st.quiet:
        for warning in config.warnings():
            err_console.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    return config


def emit_json(data: Any) -> None:
    """Machine output: stable, sorted JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def say(ctx: typer.Context, message: str) -> None:
    """A human progress or result line, silent under --quiet or --output json."""
    st = state(ctx)
    if not st.quiet and st.output == "text":
        console.print(message, highlight=False, soft_wrap=True)


class DrillResult(Protocol):
    """What restore and failover drill reports share for their command-line ending."""

    @property
    def outcome(self) -> str: ...

    @property
    def passed(self) -> bool: ...

    def as_dict(self) -> dict[str, Any]: ...


def finish_drill(ctx: typer.Context, report: DrillResult, summary: Callable[[], None]) -> None:
    """JSON or the human summary, then the exit code: 130 interrupted, 1 not passed."""
    if state(ctx).output == "json":
        emit_json(report.as_dict())
    else:
        summary()
    if report.outcome == "interrupted":
        raise typer.Exit(130)
    if not report.passed:
        raise typer.Exit(1)
