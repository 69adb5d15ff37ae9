"""`pgplat sql …`: the SQL pgplat runs inside databases, printed for review or manual use."""

from __future__ import annotations

from typing import Literal

import typer

from pgplat.commands.common import AnyEnvOption, config_from, emit_json, state
from pgplat.errors import UserError
from pgplat.sql import bootstrap_sql

app = typer.Typer(help="Print the SQL pgplat runs inside databases.", no_args_is_help=True)


@app.command()
def bootstrap(
    ctx: typer.Context,
    env: AnyEnvOption = "prod",
) -> None:
    """Print the idempotent bootstrap SQL (schema, roles, privileges, extensions) for ENV."""
    config = config_from(ctx)
    if env != "local" and env not in config.environments.cloud():
        raise UserError(
            f"--env {env}: choose local or one of {', '.join(config.environments.cloud())}"
        )
    target: Literal["local", "rds"] = "local" if env == "local" else "rds"
    sql = bootstrap_sql(config, target=target)
    if state(ctx).output == "json":
        emit_json({"env": env, "target": target, "sql": sql})
    else:
        typer.echo(sql, nl=False)
