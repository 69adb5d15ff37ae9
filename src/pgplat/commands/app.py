"""The `pgplat` command: a thin front end that parses, calls the library, and renders."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pgplat import __version__
from pgplat.commands import advise as advise_cmd
from pgplat.commands import audit as audit_cmd
from pgplat.commands import certs as certs_cmd
from pgplat.commands import check as check_cmd
from pgplat.commands import config as config_cmd
from pgplat.commands import deploy as deploy_cmd
from pgplat.commands import dev as dev_cmd
from pgplat.commands import diagram as diagram_cmd
from pgplat.commands import drill as drill_cmd
from pgplat.commands import guardrails as guardrails_cmd
from pgplat.commands import k8s as k8s_cmd
from pgplat.commands import sql as sql_cmd
from pgplat.commands import synth as synth_cmd
from pgplat.commands import up as up_cmd
from pgplat.commands import upgrade as upgrade_cmd
from pgplat.commands.common import State, err_console, output_format, print_error
from pgplat.commands.interrupt import exits_on_interrupt
from pgplat.errors import UserError
from pgplat.project import DEFAULT_CONFIG

app = typer.Typer(
    name="pgplat",
    help="Production PostgreSQL on AWS, and its local twin, from one pgplat.yaml.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(dev_cmd.app, name="dev")
app.add_typer(sql_cmd.app, name="sql")
app.add_typer(k8s_cmd.app, name="k8s")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(drill_cmd.app, name="drill")
app.add_typer(upgrade_cmd.app, name="upgrade")
app.command("up")(up_cmd.up)
app.command("down")(up_cmd.down)
app.command("init")(config_cmd.init)
app.command("advise")(advise_cmd.cmd)
app.command("diagram")(diagram_cmd.cmd)
app.command("certs")(certs_cmd.certs)
app.command("guardrails")(guardrails_cmd.guardrails)
app.command("synth")(synth_cmd.cmd)
app.command("check")(check_cmd.cmd)
for _command in (deploy_cmd.deploy, deploy_cmd.diff, deploy_cmd.bootstrap, deploy_cmd.drift):
    app.command()(_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pgplat {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path, typer.Option("--config", "-c", help="Configuration file.", envvar="PGPLAT_CONFIG")
    ] = DEFAULT_CONFIG,
    project_dir: Annotated[
        Path | None,
        typer.Option(
            "--project-dir",
            help="Keep the project's files here (default: the configuration file's folder).",
            envvar="PGPLAT_PROJECT_DIR",
        ),
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="text for people, json for machines.")
    ] = "text",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    ctx.obj = State(
        config_path=config, output=output_format(output), quiet=quiet, project_dir=project_dir
    )


def main() -> None:
    """Console-script entry: user errors become one line and exit code 2, never a traceback."""
    with exits_on_interrupt(lambda line: err_console.print(line, highlight=False)):
        try:
            app()
        except UserError as exc:
            print_error(exc)
            sys.exit(exc.exit_code)
