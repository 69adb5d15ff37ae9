"""`pgplat up` / `pgplat down`: the main job on one configuration, and its undo."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from pgplat.commands.common import (
    config_and_project,
    console,
    emit_json,
    labelled,
    say,
    state,
)
from pgplat.project import DEFAULT_CONFIG

if TYPE_CHECKING:
    from pgplat.lifecycle.up import UpResult


def up(ctx: typer.Context) -> None:
    """Validate, synthesize, check, write guardrails/manifests, start local PostgreSQL, write .env."""
    from pgplat.lifecycle.up import run_up  # loads the CDK and the policy layers

    config, project = config_and_project(ctx)
    quiet = state(ctx).quiet or state(ctx).output == "json"
    started = time.monotonic()

    @contextmanager
    def step(label: str) -> Iterator[None]:
        began = time.monotonic()
        if quiet:
            yield
            return
        with console.status(f"{label}…"):
            yield
        console.print(f"[green]✓[/] {label} [dim]({time.monotonic() - began:.1f} s)[/]")

    result = run_up(config, project, step)
    seconds = time.monotonic() - started
    url = result.server.url(result.user)
    if state(ctx).output == "json":
        emit_json(
            {
                "seconds": round(seconds, 2),
                "cdk_out": str(result.synthesis.outdir),
                "synthesis_reused": result.synthesis.reused,
                "stacks": sorted(result.synthesis.stacks),
                "check": vars(result.check),
                "guardrails": [str(p) for p in result.guardrails],
                "manifests": {
                    env: [str(p) for p in paths] for env, paths in result.manifests.items()
                },
                "manifests_pending_deploy": result.manifests_pending,
                "env_file": str(result.env_file),
                "local_url": url,
            }
        )
        return
    if state(ctx).quiet:
        return
    path = state(ctx).config_path
    command = "pgplat" if path == DEFAULT_CONFIG else f"pgplat -c {path}"
    _screen(config.name, result, url, seconds, command)


def _screen(name: str, result: UpResult, url: str, seconds: float, pgplat: str) -> None:
    check = result.check
    produced = Table.grid(padding=(0, 2))
    produced.add_column(style="bold", no_wrap=True)
    produced.add_column(overflow="fold")
    stacks = result.synthesis.stacks
    envs = sorted({s.env for s in stacks.values()})
    cached = " (unchanged config: reused)" if result.synthesis.reused else ""
    produced.add_row(
        "templates",
        f"{result.synthesis.outdir}/{{{','.join(envs)}}} — {len(stacks)} stacks{cached}",
    )
    produced.add_row("guardrails", str(result.guardrails[0].parent))
    for env, paths in result.manifests.items():
        produced.add_row(f"k8s {env}", str(paths[0].parent))
    for env in result.manifests_pending:
        produced.add_row(f"k8s {env}", f"after `pgplat deploy --env {env}` (needs the endpoints)")
    produced.add_row("local .env", f"{result.env_file} (user {result.user}, mode 0600)")
    produced.add_row("local db", url)
    counts = (
        ", ".join(f"{n} {sev}" for sev, n in sorted(check.by_severity.items())) or "no findings"
    )
    verdict = "[green]passed[/]" if check.passed else f"[red]failed at {check.fail_on}[/]"
    produced.add_row(
        "check",
        f"{verdict}: {counts}; {check.acknowledged} cdk-nag acknowledgements with reasons"
        f"{', cached' if check.cached else ''}",
    )
    nexts = [
        (f"{pgplat} check --env prod", "full findings, SARIF/JUnit for CI"),
        (f"{pgplat} deploy --env prod --dry-run", "the exact CDK commands, per account"),
        (f"{pgplat} dev url --show-password", "the local URL with its password"),
        (f"{pgplat} down", "stop the local server (its data is kept)"),
    ]
    for note in result.notes:
        console.print(labelled("note", "yellow", note), highlight=False, soft_wrap=True)
    console.print(
        Panel(produced, title=f"pgplat up: {name} ready in {seconds:.1f} s", expand=False)
    )
    width = max(len(c) for c, _ in nexts)
    lines = [f"  {escape(c.ljust(width))}  [dim]# {escape(why)}[/]" for c, why in nexts]
    console.print("next:\n" + "\n".join(lines), highlight=False)


def down(ctx: typer.Context) -> None:
    """Stop the local PostgreSQL that `pgplat up` started; its data stays for the next `up`."""
    from pgplat.lifecycle.up import run_down

    stopped = run_down(*config_and_project(ctx))
    if state(ctx).output == "json":
        emit_json({"stopped": stopped})
    else:
        say(
            ctx,
            "[green]✓[/] local server stopped" if stopped else "the local server was not running",
        )
