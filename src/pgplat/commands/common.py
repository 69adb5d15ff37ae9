"""What every command shares: global options, the configuration and its project, options
declared once, and human or JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pgplat.config import ConfigError, PgplatConfig, load_config
from pgplat.errors import UserError
from pgplat.project import DEFAULT_CONFIG, DEFAULT_LOCAL_DATA_DIR, Project

OutputFormat = Literal["text", "json"]

console = Console()
console.soft_wrap = not console.is_terminal
"""Piped to a file or a CI log, no line is wrapped at 80 columns: the reader's viewer wraps."""
err_console = Console(stderr=True)
_UNBOUNDED = 100_000
"""Columns of a table piped to a file or a CI log: its natural width, never cut."""


@dataclass
class State:
    """Global options, stored on the Typer context by the root callback."""

    config_path: Path = DEFAULT_CONFIG
    output: OutputFormat = "text"
    quiet: bool = False
    project_dir: Path | None = None
    """``--project-dir``: the project's root instead of the configuration file's folder."""

    def project(
        self, config: PgplatConfig | None = None, config_file: Path | None = None
    ) -> Project:
        """Where ``config`` (read from ``config_file``, default the global one) keeps its
        files; without a configuration, where it would."""
        local = config.environments.local.data_dir if config else DEFAULT_LOCAL_DATA_DIR
        return Project.of(
            config_file or self.config_path, root=self.project_dir, local_data_dir=local
        )


def labelled(label: str, style: str, message: object) -> Text:
    """``label: message`` with only the label styled: the message (user text, paths, values)
    is never read as rich markup, so ``[link=…]`` or ``'^([-a-z0-9]{0,61})?$'`` print as is."""
    return Text.assemble((f"{label}:", style), " ", str(message))


def print_error(error: UserError) -> None:
    """One ``error:`` line on stderr per problem; a ConfigError brings all it found."""
    for problem in error.problems if isinstance(error, ConfigError) else [error]:
        err_console.print(labelled("error", "red", problem), highlight=False, soft_wrap=True)


def warn(message: object) -> None:
    """A ``warning:`` line on stderr, the message as plain text."""
    err_console.print(labelled("warning", "yellow", message), highlight=False, soft_wrap=True)


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
            warn(warning)
    return config


def config_and_project(
    ctx: typer.Context, override: Path | None = None
) -> tuple[PgplatConfig, Project]:
    """The configuration (as :func:`config_from` loads it) and the project it belongs to."""
    config = config_from(ctx, override)
    return config, state(ctx).project(config, override)


_CLOUD_ENV = "Cloud environment: prod or dev."
EnvOption = Annotated[str, typer.Option("--env", "-e", help=_CLOUD_ENV)]
CloudEnvOption = Annotated[str, typer.Option("--env", help=_CLOUD_ENV)]
""":data:`EnvOption` without ``-e``, which the drill and k8s commands never took."""
EnvsOption = Annotated[
    list[str] | None,
    typer.Option("--env", help="Only this environment (repeatable; default: all)."),
]
"""None or empty: every environment."""
CdkOutOption = Annotated[
    Path | None, typer.Option("--cdk-out", help="Where synthesized assemblies live.")
]
"""None: the project's ``cdk.out``."""
SynthOutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Where to synthesize the cloud assemblies (default: cdk.out)."),
]
"""``--out`` of the commands that synthesize; None: the project's ``cdk.out``."""
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print what would be done; change nothing in AWS.")
]
ReportsOption = Annotated[
    Path | None,
    typer.Option(
        "--reports", help="Directory for the JSON and Markdown reports (default: .pgplat/drills)."
    ),
]
"""Where a drill writes its reports; None: the project's ``.pgplat/drills``."""
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Configuration file (overrides the global one)."),
]
ProbeRateOption = Annotated[
    float, typer.Option("--rate", min=1, max=500, help="Probe writes (and reads) per second.")
]
"""The failover drill's probe load, also the upgrade rehearsal's."""
WarmupOption = Annotated[
    float,
    typer.Option("--warmup", min=0, help="Seconds of probing before the failover or switchover."),
]


def output_format(value: str) -> OutputFormat:
    """``--output`` (global, or a command's override) checked: text or json."""
    if value not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--output")
    return "json" if value == "json" else "text"


def emit_json(data: Any) -> None:
    """Machine output: stable, sorted JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def print_table(table: Table, out: Console | None = None) -> None:
    """A boxed table at a terminal; piped (a file, a CI log), plain aligned columns at their
    full width, so no line is cut at 80 columns, wrapped mid-word or drawn in box art."""
    out = out or console
    if out.is_terminal:
        out.print(table)
        return
    table.box, table.pad_edge, table.expand, table.title_justify = None, False, False, "left"
    for line in out.render_lines(table, out.options.update_width(_UNBOUNDED), pad=False):
        text = Text.assemble(*((segment.text, segment.style or "") for segment in line))
        text.rstrip()
        out.print(text, soft_wrap=True)


@contextmanager
def progress(ctx: typer.Context, step: str) -> Iterator[None]:
    """A long step on stderr: a spinner at a terminal, one plain line otherwise (a CI log);
    nothing under --quiet or --output json."""
    st = state(ctx)
    if st.quiet or st.output == "json":
        yield
    elif err_console.is_terminal:
        with err_console.status(f"{step}…"):
            yield
    else:
        err_console.print(f"{step}…", highlight=False, markup=False, soft_wrap=True)
        yield


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
