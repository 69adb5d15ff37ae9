"""`pgplat synth`: write the CloudFormation templates of every environment, no AWS needed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pgplat.commands.common import (
    FORMER_CDK_OUT,
    CdkOutOption,
    EnvsOption,
    config_and_project,
    emit_json,
    hidden_aliases,
    print_table,
    progress,
    say,
    state,
)
from pgplat.errors import UserError


@hidden_aliases(FORMER_CDK_OUT)
def cmd(
    ctx: typer.Context,
    env: EnvsOption = None,
    cdk_out: CdkOutOption = None,
    reuse: Annotated[
        bool, typer.Option(help="Reuse the previous synthesis when the config is unchanged.")
    ] = False,
    lint: Annotated[
        bool, typer.Option(help="Run cfn-lint on every template (committed ignore list).")
    ] = True,
) -> None:
    """Synthesize one cloud assembly per environment (CDK_OUT/prod, CDK_OUT/dev) with the CDK."""
    from pgplat.policy.cache import CACHE_FILE, ResultCache
    from pgplat.policy.lint import Linter

    config, project = config_and_project(ctx)
    outdir = cdk_out or project.cdk_out
    cache = ResultCache(outdir / CACHE_FILE)  # shared with check: unchanged stacks
    findings = []
    with Linter(cache, config.region) as linter:
        if lint:  # cfn-lint's workers load while the CDK does, and lint as it writes
            linter.start()
        from pgplat.infra.app import synthesize  # the CDK: seconds to import

        with progress(
            ctx, f"synthesizing {', '.join(env or config.environments.cloud())} into {outdir}"
        ):
            synthesis = synthesize(
                config,
                outdir,
                env,
                reuse=reuse,
                base_dir=project.root,
                written=linter.lint if lint else None,
            )
        if lint:
            with progress(ctx, "linting the templates with cfn-lint"):
                stacks = list(synthesis.stacks.values())
                linter.lint(stacks)  # those of a reused synthesis
                findings = linter.findings(stacks)
            cache.save()
    if state(ctx).output == "json":
        emit_json(
            {
                "outdir": str(synthesis.outdir),
                "config_hash": synthesis.config_hash,
                "reused": synthesis.reused,
                "stacks": [
                    {
                        "name": s.name,
                        "env": s.env,
                        "role": s.role,
                        "account": s.account,
                        "region": s.region,
                        "template": str(s.template_path),
                    }
                    for s in synthesis.stacks.values()
                ],
                "lint": [str(f) for f in findings],
            }
        )
    elif not state(ctx).quiet:
        table = Table(title=f"{config.name}: synthesized into {synthesis.outdir}")
        for column in ("stack", "env", "account role", "account", "region"):
            table.add_column(column)
        for s in synthesis.stacks.values():
            table.add_row(s.name, s.env, s.role, s.account, s.region)
        print_table(table)
        if synthesis.reused:
            say(ctx, "configuration unchanged: reused the previous synthesis")
    if findings:
        shown = "; ".join(str(f) for f in findings[:3])
        raise UserError(
            f"cfn-lint found {len(findings)} problem(s) in the templates: {shown}; fix them "
            "or explain an accepted rule in src/pgplat/policy/cfn_lint_ignores.yaml"
        )
