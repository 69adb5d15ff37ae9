"""`pgplat k8s manifests`: the Kubernetes side of each workload's database access."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pgplat.commands.common import EnvOption, config_from, emit_json, say, state
from pgplat.errors import UserError
from pgplat.k8s.manifests import Endpoints, write_manifests
from pgplat.naming import data_stack_name

app = typer.Typer(help="Kubernetes manifests for the database workloads.", no_args_is_help=True)


@app.command()
def manifests(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory to write the YAML into.")],
    env: EnvOption = "prod",
    outputs: Annotated[
        Path | None,
        typer.Option(
            "--outputs", help="CDK outputs file of the deployed data stack (cdk --outputs-file)."
        ),
    ] = None,
    writer_host: Annotated[
        str | None, typer.Option("--writer-host", help="Writer endpoint (instead of --outputs).")
    ] = None,
    reader_host: Annotated[
        str | None,
        typer.Option("--reader-host", help="Reader endpoint (default: the writer endpoint)."),
    ] = None,
    ca_bundle: Annotated[
        Path | None,
        typer.Option("--ca-bundle", help="RDS CA bundle (pgplat certs) to ship as a ConfigMap."),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help="Only this EKS cluster's workloads, into --out (default: every cluster; "
            "several go into one folder each).",
        ),
    ] = None,
) -> None:
    """Write a ServiceAccount, ConfigMap and NetworkPolicy per workload, and a kustomization
    (per EKS cluster, when the environment has several)."""
    config = config_from(ctx)
    if writer_host is not None:
        endpoints = Endpoints(writer=writer_host, reader=reader_host or writer_host)
    elif outputs is not None:
        endpoints = Endpoints.from_outputs(outputs, data_stack_name(config, env))
    else:
        raise UserError(
            "the database endpoints are known once the data stack is deployed; pass "
            "--outputs cdk-outputs.json (cdk deploy --outputs-file) or --writer-host"
        )
    written = write_manifests(config, env, endpoints, out, ca_bundle, cluster)
    if state(ctx).output == "json":
        emit_json({"env": env, "files": [str(p) for p in written]})
    else:
        for path in written:
            say(ctx, f"wrote {path}")
