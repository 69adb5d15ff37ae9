"""What every command shares: global options, the configuration and its project, options
declared once, and human or JSON output."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup, TyperOption

from pgplat.commands.notices import NOTICED_COMMANDS, command_name, folded
from pgplat.errors import UserError
from pgplat.project import DEFAULT_CONFIG, DEFAULT_LOCAL_DATA_DIR, Project

if TYPE_CHECKING:  # the configuration's model loads pydantic: only commands that read it pay
    from typer._click import Command, Parameter  # typer 0.29 carries its own click

    from pgplat.config.model import PgplatConfig

OUTPUT_FORMATS = ("text", "json")
"""What ``-o`` names on every command; a command may add its own with :func:`output_formats`."""

console = Console()
console.soft_wrap = not console.is_terminal
"""Piped to a file or a CI log, no line is wrapped at 80 columns: the reader's viewer wraps."""
err_console = Console(stderr=True)
_UNBOUNDED = 100_000
"""Columns of a table piped to a file or a CI log: its natural width, never cut."""


@dataclass
class State:
    """The global options, wherever on the line they were given (:func:`global_options`)."""

    config_path: Path = DEFAULT_CONFIG
    output: str = "text"
    """One of :data:`OUTPUT_FORMATS`, or a format the running command added."""
    quiet: bool = False
    project_dir: Path | None = None
    """``--project-dir``: the project's root instead of the configuration file's folder."""
    noticed: bool = False
    """Whether this run has said the configuration's notices already (they are said once)."""

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
    from pgplat.config.errors import ConfigError

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
    """Load the configuration named by the command or the global --config; say its notices
    (support dates) once per run, folded, on the commands where they matter, never under -q."""
    from pgplat.config.loader import load_config

    config = load_config(override or state(ctx).config_path)
    say_notices(ctx, folded(config.warnings()))
    return config


def say_notices(ctx: typer.Context, notices: Iterable[str]) -> None:
    """The configuration's notices (folded support dates), once per run, on the commands
    where they matter (:data:`NOTICED_COMMANDS`), never under --quiet."""
    st = state(ctx)
    if not (st.noticed or st.quiet) and command_name(ctx) in NOTICED_COMMANDS:
        st.noticed = True
        for line in notices:
            warn(line)


def config_and_project(
    ctx: typer.Context, override: Path | None = None
) -> tuple[PgplatConfig, Project]:
    """The configuration (as :func:`config_from` loads it) and the project it belongs to."""
    config = config_from(ctx, override)
    return config, state(ctx).project(config, override)


_CLOUD_ENV = "Cloud environment: prod or dev."
EnvOption = Annotated[str, typer.Option("--env", "-e", metavar="prod|dev", help=_CLOUD_ENV)]
AnyEnvOption = Annotated[
    str,
    typer.Option(
        "--env",
        "-e",
        metavar="local|prod|dev",
        help="local (the twin pgplat dev runs), prod or dev.",
    ),
]
""":data:`EnvOption` for the commands that also take the local twin."""
EnvsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--env", "-e", metavar="prod|dev", help="Only this environment (repeatable; default: all)."
    ),
]
"""None or empty: every environment."""
CdkOutOption = Annotated[
    Path | None,
    typer.Option(
        "--cdk-out", help="Folder of the cloud assemblies (default: the project's cdk.out)."
    ),
]
"""None: the project's ``cdk.out``."""
SynthOption = Annotated[
    bool,
    typer.Option(
        "--synth/--no-synth",
        help="Synthesize into --cdk-out first (reused while the config is unchanged); "
        "--no-synth takes the assemblies found there as they are.",
    ),
]
FORMER_CDK_OUT = {"--out": ("--cdk-out",)}
"""What synth and check called ``--cdk-out`` before, still understood (:func:`hidden_aliases`)."""
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
ProbeRateOption = Annotated[
    float, typer.Option("--rate", min=1, max=500, help="Probe writes (and reads) per second.")
]
"""The failover drill's probe load, also the upgrade rehearsal's."""
WarmupOption = Annotated[
    float,
    typer.Option("--warmup", min=0, help="Seconds of probing before the failover or switchover."),
]

_Command = TypeVar("_Command", bound=Callable[..., Any])


def output_formats(*extra: str) -> Callable[[_Command], _Command]:
    """Let a command's ``-o`` name ``extra`` formats besides text and json (check: sarif,
    junit); every other command refuses them."""

    def declare(command: _Command) -> _Command:
        setattr(command, "output_formats", extra)  # noqa: B010 (typer copies it onto its wrapper)
        return command

    return declare


def hidden_aliases(spellings: Mapping[str, tuple[str, ...]]) -> Callable[[_Command], _Command]:
    """Former option names a command still understands, written as their current tokens
    (``{"--out": ("--cdk-out",)}``) and shown nowhere; :func:`spelled_out` rewrites them."""

    def declare(command: _Command) -> _Command:
        setattr(command, "hidden_aliases", spellings)  # noqa: B010
        return command

    return declare


def spelled_out(command: Command, args: list[str]) -> list[str]:
    """``args`` with the command's hidden aliases replaced by their current spelling
    (``--out X`` and ``--out=X`` alike), up to a ``--``."""
    spellings: Mapping[str, tuple[str, ...]] = getattr(command.callback, "hidden_aliases", {})
    if not spellings:
        return args
    result: list[str] = []
    for index, arg in enumerate(args):
        if arg == "--":
            return result + args[index:]
        name, equals, value = arg.partition("=")
        current = spellings.get(name)
        if current is None:
            result.append(arg)
        else:
            result += [*current[:-1], current[-1] + equals + value]
    return result


def formats_of(command: Command) -> tuple[str, ...]:
    """What ``-o`` may name on ``command``; empty for a group (its command decides)."""
    if isinstance(command, TyperGroup):
        return ()
    return OUTPUT_FORMATS + getattr(command.callback, "output_formats", ())


def _given(ctx: typer.Context, param: typer.CallbackParam) -> bool:
    """Given on the line, or in its environment variable (read once, at the root: below, it
    would undo a ``-c`` given before the command)."""
    source = ctx.get_parameter_source(param.name or "")
    by_environment = source is not None and source.name == "ENVIRONMENT" and ctx.parent is None
    given = source is not None and source.name == "COMMANDLINE"
    return (given or by_environment) and not ctx.resilient_parsing


def _keep(field: str) -> Callable[[typer.Context, typer.CallbackParam, Any], Any]:
    """A global option's callback: a value given on the line (or in its environment variable)
    lands in :class:`State`; a later one, nearer the command, wins."""

    def keep(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        if value is not None and _given(ctx, param):
            setattr(state(ctx), field, Path(value) if isinstance(value, Path) else value)
        return value

    return keep


def _keep_output(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> str | None:
    """``-o``: kept, then checked against the running command's formats (one line, exit 2)."""
    _keep("output")(ctx, param, value)
    allowed = formats_of(ctx.command)
    chosen = state(ctx).output
    if allowed and chosen not in allowed and not ctx.resilient_parsing:
        raise UserError(
            f"-o/--output {chosen}: `pgplat {command_name(ctx)}` writes {' or '.join(allowed)}"
        )
    return value


def _complete_output(ctx: typer.Context) -> list[str]:
    return list(formats_of(ctx.command) or OUTPUT_FORMATS)


_GLOBAL = "Global options (before or after any command)"


def _global_signature(
    global_config: Annotated[
        Path,
        typer.Option(
            "--config",
            "-c",
            envvar="PGPLAT_CONFIG",
            callback=_keep("config_path"),
            help="Configuration file.",
            rich_help_panel=_GLOBAL,
        ),
    ] = DEFAULT_CONFIG,
    global_project_dir: Annotated[
        Path | None,
        typer.Option(
            "--project-dir",
            envvar="PGPLAT_PROJECT_DIR",
            callback=_keep("project_dir"),
            help="Keep the project's files here (default: the configuration file's folder).",
            rich_help_panel=_GLOBAL,
        ),
    ] = None,
    global_output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            callback=_keep_output,
            autocompletion=_complete_output,
            metavar="|".join(OUTPUT_FORMATS),
            help="text for people, json for machines (a command may offer more).",
            rich_help_panel=_GLOBAL,
        ),
    ] = "text",
    global_quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", callback=_keep("quiet"), help="Only errors.", rich_help_panel=_GLOBAL
        ),
    ] = False,
) -> None:
    """Never called: its parameters are the one definition of the global options."""


@cache
def _global_params() -> tuple[Parameter, ...]:
    holder = typer.Typer(add_completion=False)
    holder.command()(_global_signature)
    params = typer.main.get_command(holder).params
    for param in params:
        param.expose_value = False
    return tuple(params)


def with_conventions(command: Command) -> Command:
    """``command`` (and, for a group, every command under it) taking the global options, so
    ``-c``, ``-o``, ``-q`` and ``--project-dir`` work before or after any command name; in
    its help, flags shown as flags and text by name (``--user USER``), never as ``<bool>`` or
    ``<str>`` (an option with choices names them in its ``metavar``: ``text|json``)."""
    if not any(p.name == "global_config" for p in command.params):
        for param in _global_params():
            if param.name == "global_output" and formats_of(command):
                param = copy.copy(param)
                param.metavar = "|".join(formats_of(command))
            command.params.append(param)
    ctx = typer.Context(command)
    for option in [*command.params, command.get_help_option(ctx)]:
        if not isinstance(option, TyperOption) or option.metavar is not None:
            continue
        if option.is_bool_flag:
            option.metavar = ""  # the help option is made once per command, then kept
        elif option.display_type(ctx) in ("<str>", "<list[str]>"):
            long = next((o for o in option.opts if o.startswith("--")), option.opts[0])
            option.metavar = long.lstrip("-").replace("-", "_").upper()
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            with_conventions(sub)
    return command


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
    table.box, table.pad_edge, table.expand = None, False, False
    if table.title:  # its own line: within the table, a title wider than it would wrap
        out.print(table.title, soft_wrap=True, highlight=False)
        table.title = None
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
