"""The `pgplat` command: a thin front end that parses, calls the library, and renders.

A command's module (and boto3, psycopg or the CDK behind it) is imported only when that
command runs, so `pgplat --version` and `pgplat --help` cost little more than typer and rich.
"""

from __future__ import annotations

import difflib
import importlib
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from pgplat import __version__
from pgplat.collector import end_process, tune_for_short_lived_process
from pgplat.commands.common import err_console, print_error, spelled_out, with_conventions
from pgplat.commands.interrupt import exits_on_interrupt
from pgplat.errors import UserError

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter
    from typer._click.shell_completion import CompletionItem


@dataclass(frozen=True)
class Lazy:
    """A command known by name before its module is imported."""

    target: str
    """``module:attribute``: a command function or a `typer.Typer` group."""
    summary: str
    """What `pgplat --help` lists: the first paragraph of the command's own help (a test
    holds them equal)."""
    panel: str


_START, _PLATFORM, _APP, _OPS = "Start", "Platform", "Application developers", "Operations"

COMMANDS: dict[str, Lazy] = {
    "init": Lazy(
        "pgplat.commands.config:init",
        "Write a commented starter configuration that validates as it is.",
        _START,
    ),
    "up": Lazy(
        "pgplat.commands.up:up",
        "Validate, synthesize, check, write guardrails/manifests, start local PostgreSQL, "
        "write .env.",
        _START,
    ),
    "down": Lazy(
        "pgplat.commands.up:down",
        "Stop the local PostgreSQL that `pgplat up` started; its data stays for the next `up`.",
        _START,
    ),
    "config": Lazy(
        "pgplat.commands.config:app",
        "Validate, explain and describe the configuration file.",
        _START,
    ),
    "synth": Lazy(
        "pgplat.commands.synth:cmd",
        "Synthesize one cloud assembly per environment (CDK_OUT/prod, CDK_OUT/dev) with the CDK.",
        _PLATFORM,
    ),
    "check": Lazy(
        "pgplat.commands.check:cmd",
        "Run our rules, the cross-account chain check, the isolation proof, cdk-nag and "
        "cfn-lint over the templates (synthesized into --cdk-out, reused while the config is "
        "unchanged); exit 1 while a finding at the threshold remains.",
        _PLATFORM,
    ),
    "deploy": Lazy(
        "pgplat.commands.deploy:deploy",
        "Deploy an environment's stacks in dependency order across accounts; stop on failure.",
        _PLATFORM,
    ),
    "diff": Lazy(
        "pgplat.commands.deploy:diff",
        "Show what a deploy would change, stack by stack, in each account.",
        _PLATFORM,
    ),
    "bootstrap": Lazy(
        "pgplat.commands.deploy:bootstrap",
        "Bootstrap every account of an environment with a least-privilege execution policy.",
        _PLATFORM,
    ),
    "drift": Lazy(
        "pgplat.commands.deploy:drift",
        "Detect resources changed outside CloudFormation in an environment's stacks "
        "(exit 1 if any).",
        _PLATFORM,
    ),
    "guardrails": Lazy(
        "pgplat.commands.guardrails:guardrails",
        "Write the service control policies and key-policy statements that keep non-prod out "
        "of production data, with a README on attaching them.",
        _PLATFORM,
    ),
    "diagram": Lazy(
        "pgplat.commands.diagram:cmd",
        "Draw the accounts, networks, database, keys, backups and monitoring of the config.",
        _PLATFORM,
    ),
    "advise": Lazy(
        "pgplat.commands.advise:cmd",
        "Recommend RDS or Aurora for a workload, with reasons and estimated monthly costs.",
        _PLATFORM,
    ),
    "dev": Lazy(
        "pgplat.commands.dev:app",
        "Local PostgreSQL of production's major, with prod's users, extensions and TLS.",
        _APP,
    ),
    "sql": Lazy("pgplat.commands.sql:app", "Print the SQL pgplat runs inside databases.", _APP),
    "k8s": Lazy(
        "pgplat.commands.k8s:app", "Kubernetes manifests for the database workloads.", _APP
    ),
    "certs": Lazy(
        "pgplat.commands.certs:certs",
        "Explain the RDS CA bundle, then download it, verify it and save it.",
        _APP,
    ),
    "audit": Lazy(
        "pgplat.commands.audit:app",
        "Trace database sessions to workloads and IAM roles.",
        _OPS,
    ),
    "drill": Lazy(
        "pgplat.commands.drill:app",
        "Prove that recovery works: restore drills (and their clean-up), failover drills.",
        _OPS,
    ),
    "upgrade": Lazy(
        "pgplat.commands.upgrade:app",
        "Major-version upgrades: plan, rehearse on the local twin, run on AWS.",
        _OPS,
    ),
}


def load(name: str, lazy: Lazy) -> Command:
    """Import the command's module and build its click command (a group for a sub-app)."""
    module, _, attribute = lazy.target.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    if isinstance(found, typer.Typer):
        command: Command = typer.main.get_group(found)
    else:
        holder = typer.Typer(add_completion=False)
        holder.command(name)(found)
        command = typer.main.get_command(holder)
    command.name = name
    return with_conventions(command)


class LazyGroup(TyperGroup):
    """The root group: every command listed from :data:`COMMANDS`, imported when it runs;
    help and name completion list them without importing any."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        with_conventions(self)
        self._listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        lazy = COMMANDS.get(cmd_name)
        if lazy is None:
            return None
        if self._listing:
            return TyperCommand(name=cmd_name, help=lazy.summary, rich_help_panel=lazy.panel)
        if cmd_name not in self.commands:
            self.commands[cmd_name] = load(cmd_name, lazy)
        return self.commands[cmd_name]

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        """The command, and its arguments with former option names spelled as today's; an
        unknown name is refused with the nearest known ones (typer's own suggestions see
        only the commands loaded so far)."""
        if args and args[0] not in COMMANDS and not args[0].startswith("-"):
            near = ", ".join(repr(n) for n in difflib.get_close_matches(args[0], COMMANDS))
            ctx.fail(f"No such command {args[0]!r}." + (f" Did you mean {near}?" if near else ""))
        name, command, rest = super().resolve_command(ctx, args)
        return name, command, spelled_out(command, rest) if command else rest

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        with_conventions(self)  # again: typer adds the completion options after __init__
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
        self._listing = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False


app = typer.Typer(
    name="pgplat",
    cls=LazyGroup,
    help="Production PostgreSQL on AWS, and its local twin, from one pgplat.yaml.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pgplat {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Production PostgreSQL on AWS, and its local twin, from one pgplat.yaml."""


def run() -> NoReturn:
    """The `pgplat` console script: :func:`main`, then the process ends without tearing down
    its objects (:func:`pgplat.collector.end_process`)."""
    try:
        main()
    except SystemExit as exc:
        end_process(_exit_code(exc))
    end_process(0)


def _exit_code(exc: SystemExit) -> int:
    """The code Python would exit with for ``exc`` (a message is printed, and means 1)."""
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)
    return 1


def main() -> None:
    """The command line: user errors become one line and exit code 2, never a traceback."""
    tune_for_short_lived_process()
    with exits_on_interrupt(lambda line: err_console.print(line, highlight=False)):
        try:
            app()
        except UserError as exc:
            print_error(exc)
            sys.exit(exc.exit_code)
