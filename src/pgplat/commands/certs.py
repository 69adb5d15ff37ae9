"""`pgplat certs`: which CA bundle clients verify RDS/Aurora against, and a verified copy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pgplat.client import ca_bundle
from pgplat.commands.common import emit_json, say, state

EXPLANATION = """\
Clients verify the database server with sslmode=verify-full against AWS's RDS CA bundle
(the global bundle covers every commercial region's RDS and Aurora CAs). Mount the file in
the pod (ConfigMap or image) and point PGSSLROOTCERT at it; pgplat.connect refuses
plaintext to AWS endpoints and needs this file for iam and secret auth. Locally, `pgplat dev`
makes its own CA and PGSSLROOTCERT points there instead."""


def certs(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Where to write the verified bundle.")] = Path(
        "rds-ca-bundle.pem"
    ),
    url: Annotated[
        str,
        typer.Option(
            "--url",
            help="Bundle URL (default: AWS's global bundle; or your mirror's).",
            show_default=False,
        ),
    ] = ca_bundle.GLOBAL_BUNDLE_URL,
) -> None:
    """Explain the RDS CA bundle, then download it, verify it and save it."""
    say(ctx, EXPLANATION)
    data = ca_bundle.download(url)
    report = ca_bundle.verify(data)
    ca_bundle.save(data, out)
    if state(ctx).output == "json":
        emit_json(
            {
                "file": str(out),
                "url": url,
                "certificates": report.certificates,
                "valid_until": report.valid_until.isoformat(),
                "expired": list(report.expired),
            }
        )
        return
    say(
        ctx,
        f"[green]✓[/] {out}: {report.certificates} CA certificates from {url}, "
        f"valid until at least {report.valid_until:%Y-%m-%d}",
    )
    for subject in report.expired:
        say(ctx, f"[yellow]note:[/] expired certificate in the bundle: {escape(subject)}")
    say(ctx, f"set PGSSLROOTCERT={out.resolve()} (or the path where the pod mounts it)")
