"""`pgplat deploy | diff | bootstrap | drift`: the synthesized stacks, into their accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pgplat.aws.sessions import access_for, session_for
from pgplat.commands.common import (
    CdkOutOption,
    DryRunOption,
    EnvOption,
    SynthOption,
    config_and_project,
    console,
    emit_json,
    print_table,
    say,
    state,
    warn,
)
from pgplat.config.model import PgplatConfig
from pgplat.deploy.bootstrap import (
    bootstrap_arguments,
    bootstrap_lines,
    ensure_policy,
    plan_bootstrap,
    write_policies,
)
from pgplat.deploy.cdk_cli import cdk_command, pinned_version
from pgplat.deploy.drift import StackDrift, detect_drift
from pgplat.deploy.hub_gateway import verify_hub_gateway
from pgplat.deploy.plan import StackTarget, deployment_order, read_assembly
from pgplat.deploy.preflight import verify_existing_vpc
from pgplat.deploy.runner import Action, StepResult, dry_run_lines, run_plan, run_subprocess
from pgplat.deploy.wiring import plan_steps
from pgplat.errors import UserError
from pgplat.project import Project

Parameters = Annotated[
    list[str] | None,
    typer.Option(
        "--parameter", help="STACK:NAME=VALUE for a parameter no stack produces (repeatable)."
    ),
]


def _targets(
    config: PgplatConfig, project: Project, env: str, cdk_out: Path, synth: bool = True
) -> list[StackTarget]:
    """The environment's stacks in dependency order, synthesized first if needed (unless
    ``synth`` is off: then the assembly in ``cdk_out`` as it is, e.g. the one CI checked)."""
    if synth:
        # Imported here: synthesis loads the CDK, which other commands start without.
        from pgplat.infra.app import synthesize

        synthesize(config, cdk_out, [env], reuse=True, base_dir=project.root)
    return deployment_order(read_assembly(config, cdk_out / env, env))


def _given(values: list[str] | None) -> dict[str, dict[str, str]]:
    """``STACK:NAME=VALUE`` options, by stack."""
    given: dict[str, dict[str, str]] = {}
    for text in values or []:
        stack, colon, rest = text.partition(":")
        name, equals, value = rest.partition("=")
        if not (colon and equals and stack and name):
            raise UserError(f"--parameter {text!r}: write it as STACK:NAME=VALUE")
        given.setdefault(stack, {})[name] = value
    return given


def _summary(ctx: typer.Context, results: list[StepResult], planned: int) -> None:
    if state(ctx).output == "json":
        emit_json(
            [
                {
                    "stack": r.stack.name,
                    "account": r.stack.account,
                    "action": r.action,
                    "exit_code": r.exit_code,
                    "seconds": round(r.seconds, 1),
                }
                for r in results
            ]
        )
        return
    table = Table(title="summary")
    for column in ("stack", "account", "result", "seconds"):
        table.add_column(column)
    for r in results:
        outcome = "[green]ok[/]" if r.ok else f"[red]failed (exit {r.exit_code})[/]"
        table.add_row(
            r.stack.name, f"{r.stack.role} {r.stack.account}", outcome, f"{r.seconds:.0f}"
        )
    print_table(table)
    if len(results) < planned:
        console.print(f"stopped after the first failure; {planned - len(results)} stack(s) not run")


def _run(
    ctx: typer.Context,
    action: Action,
    env: str,
    cdk_out: Path | None,
    synth: bool,
    dry_run: bool,
    parameters: list[str] | None,
    allow_replacement: bool = False,
) -> None:
    config, project = config_and_project(ctx)
    cdk_out = cdk_out or project.cdk_out
    targets = _targets(config, project, env, cdk_out, synth)
    plan = plan_steps(targets, _given(parameters))
    if action == "deploy" and env == "prod":
        from pgplat.deploy.gate import refuse_unless_checked

        refuse_unless_checked(config, env, cdk_out, base_dir=project.root)
    if dry_run:
        _print_plan(ctx, action, env, dry_run_lines(config, action, plan))
        return
    _guard_data(config, targets, refuse=action == "deploy" and not allow_replacement)
    if action == "deploy":  # what the templates cannot show: an existing VPC, a hub's gateway
        verify_existing_vpc(config, env)
        verify_hub_gateway(config, env)
    cdk = cdk_command()
    results = run_plan(
        config,
        action,
        plan,
        cdk,
        run_subprocess,
        on_step=lambda s: say(
            ctx, f"[bold]{action}[/] {s.stack.name} → {s.stack.role} account {s.stack.account}"
        ),
    )
    _summary(ctx, results, len(plan) if action == "deploy" else len(results))
    if not all(r.ok for r in results):
        raise typer.Exit(1)


def _print_plan(ctx: typer.Context, action: str, env: str, lines: list[str]) -> None:
    """The commands a run would execute: as printed, or as JSON steps (each ``# …`` line
    says what the commands after it do)."""
    if state(ctx).output == "text":
        typer.echo(f"# AWS CDK CLI {pinned_version()} (pinned in pgplat/deploy/cdk_cli)")
        typer.echo("\n".join(lines))
        return
    steps: list[dict[str, Any]] = []
    for line in lines:
        if line.startswith("# "):
            steps.append({"about": line.removeprefix("# "), "commands": []})
        else:
            steps[-1]["commands"].append(line)
    emit_json({"action": action, "env": env, "cdk_version": pinned_version(), "steps": steps})


AllowReplacement = Annotated[
    bool,
    typer.Option(
        "--allow-replacement",
        help="Deploy even when a resource holding data (database, key, vault, bucket) would be "
        "replaced or removed; snapshot it first.",
    ),
]


def _guard_data(config: PgplatConfig, targets: list[StackTarget], *, refuse: bool) -> None:
    """Compare each deployed stack with its new template: a replaced or removed resource that
    holds data refuses the deploy (one line naming every one), or is warned of by diff."""
    from pgplat.deploy.replacement import Replacement, deployed_template, replacements

    found: list[Replacement] = []
    for stack in targets:
        session = session_for(access_for(config, stack.role), stack.region, stack.account)
        deployed = deployed_template(session.client("cloudformation"), stack.name)
        if deployed is not None:
            found += replacements(stack.name, deployed, stack.template(), stack.region)
    if found and refuse:
        raise UserError(
            "deploy refused, data would be lost: "
            + "; ".join(map(str, found))
            + " (undo the change, or snapshot and pass --allow-replacement)"
        )
    for replacement in found:
        warn(replacement)


def deploy(
    ctx: typer.Context,
    env: EnvOption = "prod",
    cdk_out: CdkOutOption = None,
    synth: SynthOption = True,
    dry_run: DryRunOption = False,
    parameter: Parameters = None,
    allow_replacement: AllowReplacement = False,
) -> None:
    """Deploy an environment's stacks in dependency order across accounts; stop on failure.

    Ids that cross accounts (Transit Gateway, attachment, peering) are passed from each
    stack's outputs to the next; production is refused while `pgplat check` fails, and any
    deploy that would replace or remove a resource holding data is refused.
    """
    _run(ctx, "deploy", env, cdk_out, synth, dry_run, parameter, allow_replacement)


def diff(
    ctx: typer.Context,
    env: EnvOption = "prod",
    cdk_out: CdkOutOption = None,
    synth: SynthOption = True,
    dry_run: DryRunOption = False,
    parameter: Parameters = None,
) -> None:
    """Show what a deploy would change, stack by stack, in each account.

    Resources holding data that the deploy would replace or remove are warned of first.
    """
    _run(ctx, "diff", env, cdk_out, synth, dry_run, parameter)


def bootstrap(
    ctx: typer.Context,
    env: EnvOption = "prod",
    cdk_out: CdkOutOption = None,
    synth: SynthOption = True,
    policy_dir: Annotated[
        Path | None,
        typer.Option(help="Where execution policies are written (default: cdk.out/bootstrap)."),
    ] = None,
    execute: Annotated[
        bool, typer.Option(help="Create the policies and run the bootstraps.")
    ] = False,
) -> None:
    """Bootstrap every account of an environment with a least-privilege execution policy."""
    config, project = config_and_project(ctx)
    cdk_out = cdk_out or project.cdk_out
    items = plan_bootstrap(config, _targets(config, project, env, cdk_out, synth))
    policy_dir = policy_dir or project.cdk_out / "bootstrap"
    write_policies(items, policy_dir)
    if not execute:
        _print_plan(ctx, "bootstrap", env, bootstrap_lines(config, items, str(policy_dir)))
        return
    cdk = cdk_command()
    for item in items:
        access = access_for(config, item.role)
        session = session_for(access, config.region, item.account)
        outcome = ensure_policy(session.client("iam"), item)
        say(ctx, f"execution policy {item.policy_name} {outcome} in {item.account}")
        env_vars = {"AWS_PROFILE": access.profile} if access.profile else {}
        if run_subprocess([*cdk, *bootstrap_arguments(config, item)], env_vars) != 0:
            raise UserError(
                f"cdk bootstrap failed for account {item.account}; see the output above"
            )


def drift(
    ctx: typer.Context,
    env: EnvOption = "prod",
    cdk_out: CdkOutOption = None,
    synth: SynthOption = True,
) -> None:
    """Detect resources changed outside CloudFormation in an environment's stacks (exit 1 if any)."""
    config, project = config_and_project(ctx)
    results: list[StackDrift] = []
    for stack in _targets(config, project, env, cdk_out or project.cdk_out, synth):
        session = session_for(access_for(config, stack.role), stack.region, stack.account)
        results.append(detect_drift(session.client("cloudformation"), stack.name, stack.account))
    if state(ctx).output == "json":
        emit_json(
            [
                {
                    "stack": r.stack,
                    "account": r.account,
                    "status": r.status,
                    "reason": r.reason,
                    "resources": [vars(d) for d in r.resources],
                }
                for r in results
            ]
        )
    else:
        for r in results:
            reason = f" — {escape(r.reason)}" if r.reason else ""
            say(ctx, f"{r.stack} ({r.account}): {r.status}{reason}")
            for d in r.resources:
                say(ctx, f"  {d.logical_id} {escape(f'[{d.resource_type}]')} {d.status}")
                for difference in d.differences:
                    say(ctx, f"    {escape(difference)}")
    if any(r.status == "DRIFTED" for r in results):
        raise typer.Exit(1)
