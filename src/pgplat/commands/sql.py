"""`pgplat sql …`: the SQL pgplat runs inside databases, printed for review or manual use."""

from __future__ import annotations

from typing import Annotated

import typer

from pgplat.commands.common import config_from
from pgplat.errors import UserError
from pgplat.sql import bootstrap_sql

app = typer.Typer(help="Print the SQL pgplat runs inside databases.", no_args_is_help=True)


@app.command()
def bootstrap(
    ctx: typer.Context,
    env: Annotated[str, typer.Option("--env", "-e", help="prod, dev or local.")] = "prod",
) -> None:
    """Print the idempotent bootstrap SQL (schema, roles, privileges, extensions) for ENV."""
    config = config_from(ctx)
    if env != "local" and env not in config.environments.cloud():
        raise UserError(
            f"--env {env}: choose local or one of {', '.join(config.environments.cloud())}"
        )
    typer.echo(bootstrap_sql(config, target="local" if env == "local" else "rds"), nl=False)
