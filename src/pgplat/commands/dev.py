"""`pgplat dev …`: a local PostgreSQL that mirrors production, without Docker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pgplat.commands.common import (
    config_and_project,
    emit_json,
    err_console,
    labelled,
    say,
    state,
    warn,
)
from pgplat.config.model import PgplatConfig
from pgplat.drills.failover.local import (
    destroy_standby,
    ensure_standby,
    standby_of,
    stop_standby,
)
from pgplat.errors import UserError
from pgplat.k8s.local import local_workload
from pgplat.local import binaries
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.compose import APP_ENV_FILE, write_compose
from pgplat.local.envfile import (
    app_user,
    ensure_gitignored,
    migration_user,
    remove_env_file,
    write_env_file,
)
from pgplat.local.files import write_private
from pgplat.local.logs import log_lines
from pgplat.local.parity import differences
from pgplat.local.passwords import SUPERUSER
from pgplat.local.seed import run_seeds, seed_scripts
from pgplat.local.standby import replication
from pgplat.project import Project

app = typer.Typer(
    help="Local PostgreSQL of production's major, with prod's users, extensions and TLS.",
    no_args_is_help=True,
)

UserOpt = Annotated[
    str | None, typer.Option("--user", "-u", help="Database user (default: first read-write).")
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
BinariesOpt = Annotated[
    str | None,
    typer.Option(
        "--binaries",
        metavar="embedded|system",
        help="Default: environments.local.binaries.",
    ),
]
BinDirOpt = Annotated[
    Path | None, typer.Option("--bin-dir", help="Directory holding pg_ctl (system binaries).")
]


def _local(
    ctx: typer.Context, binaries_choice: str | None = None, bin_dir: Path | None = None
) -> tuple[LocalCluster, Project]:
    """The project's local server, and the project (for its ``.env`` and seeds)."""
    config, project = config_and_project(ctx)
    binaries_used = _binaries(config, binaries_choice, bin_dir)
    return LocalCluster(config, project.local, binaries=binaries_used), project


def _cluster(ctx: typer.Context) -> LocalCluster:
    return _local(ctx)[0]


def _binaries(
    config: PgplatConfig, choice: str | None, bin_dir: Path | None
) -> binaries.Binaries | None:
    """Binaries asked for on the command line; None follows environments.local."""
    if choice == "system" or (choice is None and bin_dir is not None):
        return binaries.system(str(bin_dir) if bin_dir else config.environments.local.bin_dir)
    if choice == "embedded":
        return binaries.embedded_for(config)
    if choice is not None:
        raise UserError(f"--binaries {choice}: choose embedded or system")
    return None


def _user(config: PgplatConfig, user: str | None) -> str:
    name = user or app_user(config)
    known = [SUPERUSER, *(u.name for u in config.database.users)]
    if name not in known:
        raise UserError(f"unknown database user {name!r}; configured: {', '.join(known)}")
    return name


def _note(ctx: typer.Context, info: ServerInfo) -> None:
    if state(ctx).quiet:
        return
    for warning in info.warnings:
        warn(warning)
    _notes(ctx, info.notes)


def _notes(ctx: typer.Context, notes: tuple[str, ...]) -> None:
    """One ``note:`` line each on stderr, so piped output stays clean; none with -q."""
    if not state(ctx).quiet:
        for note in notes:
            err_console.print(labelled("note", "", note), highlight=False, soft_wrap=True)


@app.command()
def up(
    ctx: typer.Context,
    user: UserOpt = None,
    binaries_choice: BinariesOpt = None,
    bin_dir: BinDirOpt = None,
    standby: Annotated[
        bool, typer.Option("--standby", help="Also run a streaming standby (failover drills).")
    ] = False,
) -> None:
    """Start the local server (create it the first time) and write .env for USER."""
    cluster, project = _local(ctx, binaries_choice, bin_dir)
    info = cluster.up()
    _note(ctx, info)
    if standby:
        replica = ensure_standby(cluster)
        say(ctx, f"[green]✓[/] streaming standby on {replica.host}:{replica.port}")
    name = _user(cluster.config, user)
    env_file = write_env_file(project.env_file, info.env(name), receipt=cluster.env_receipt)
    ensure_gitignored(project.root, project.ignored(outputs=False))
    if state(ctx).output == "json":
        emit_json(_describe(cluster, info) | {"env_file": str(env_file), "user": name})
        return
    say(
        ctx,
        f"[green]✓[/] PostgreSQL {cluster.binaries.version} on {info.host}:{info.port}, "
        f"database {info.dbname}, TLS verify-full; {env_file} written for user {name}",
    )


def _describe(cluster: LocalCluster, info: ServerInfo | None) -> dict[str, object]:
    described: dict[str, object] = {"status": cluster.status(), "root": str(cluster.root)}
    if info is not None:
        described |= {
            "host": info.host,
            "port": info.port,
            "database": info.dbname,
            "major": info.major,
            "bin_dir": str(info.bin_dir),
            "ca_file": str(info.ca_file),
            "notes": list(info.notes),
            "warnings": list(info.warnings),
            "standby": _standby(cluster, info),
        }
    return described


def _standby(primary: LocalCluster, info: ServerInfo) -> dict[str, object] | None:
    """The standby `dev up --standby` made, and how far behind it is; None without one."""
    standby = standby_of(primary)
    if standby.status() == "absent":
        return None
    described: dict[str, object] = {"status": standby.status(), "root": str(standby.root)}
    if standby.status() == "running":
        described |= {"port": standby.info().port, "replication": replication(info)}
    return described


def _standby_line(standby: dict[str, object]) -> str:
    line = f"standby: {standby['status']}"
    if "port" in standby:
        streams = standby["replication"]
        line += f" on localhost:{standby['port']}, " + (
            f"{streams['state']}, {streams['lag_bytes']} bytes behind"
            if isinstance(streams, dict)
            else "not streaming from the primary"
        )
    return line


@app.command()
def down(ctx: typer.Context) -> None:
    """Stop the local server; the data stays for the next `up`."""
    cluster = _cluster(ctx)
    stop_standby(cluster)
    stopped = cluster.down()
    say(ctx, "[green]✓[/] stopped" if stopped else "the local server was not running")


@app.command()
def status(ctx: typer.Context) -> None:
    """Say whether the local server is running, and where."""
    cluster = _cluster(ctx)
    info = cluster.info() if cluster.status() == "running" else None
    if state(ctx).output == "json":
        emit_json(_describe(cluster, info))
    elif info is not None:
        say(ctx, f"running: PostgreSQL {info.major} on {info.host}:{info.port} ({cluster.root})")
        standby = _standby(cluster, info)
        if standby is not None:
            say(ctx, _standby_line(standby))
    else:
        say(ctx, f"{cluster.status()} ({cluster.root})")
    if info is None:
        raise typer.Exit(3)


@app.command()
def logs(
    ctx: typer.Context,
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many lines.")] = 50,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines until Ctrl-C.")
    ] = False,
) -> None:
    """Print the end of the server log (-o json: one object; with -f, one per line)."""
    log = _cluster(ctx).log_file
    found = log_lines(log, lines, follow=follow)
    if state(ctx).output == "json" and not follow:
        emit_json({"file": str(log), "lines": list(found)})
        return
    as_json = state(ctx).output == "json"
    for line in found:  # until Ctrl-C with -f (exit 130); echo flushes, so pipes keep up
        typer.echo(json.dumps({"file": str(log), "line": line}) if as_json else line)


@app.command()
def url(
    ctx: typer.Context,
    user: UserOpt = None,
    show_password: Annotated[
        bool, typer.Option("--show-password", help="Print the password instead of ****.")
    ] = False,
) -> None:
    """Print a postgresql:// URL for USER (password hidden unless --show-password)."""
    cluster = _cluster(ctx)
    name = _user(cluster.config, user)
    found = cluster.info().url(name, show_password=show_password)
    if state(ctx).output == "json":
        emit_json({"url": found, "user": name})
    else:
        typer.echo(found)


@app.command()
def diff(ctx: typer.Context) -> None:
    """List how the running twin differs from production: version, extensions, parameters,
    users and grants, TLS (exit 1 when it differs beyond what is local by design)."""
    from pgplat.infra.parameters import effective_parameters  # loads the CDK: only here

    cluster = _cluster(ctx)
    config = cluster.config
    production = effective_parameters(
        config.environments.prod.parameters, pgaudit_classes=config.audit.pgaudit_classes
    )
    found = differences(config, cluster.info(), production)
    if state(ctx).output == "json":
        emit_json({"differences": [d.as_dict() for d in found]})
    for d in found if state(ctx).output == "text" else ():
        design = " (by design)" if d.by_design else ""
        say(ctx, f"{d.aspect} {d.name}: production {d.production}, local {d.local}{design}")
    if any(not d.by_design for d in found):
        raise typer.Exit(1)
    say(ctx, "[green]✓[/] the twin matches production (apart from what is local by design)")


@app.command()
def reset(ctx: typer.Context, yes: YesOpt = False) -> None:
    """Delete all data and start again from an empty, bootstrapped database."""
    cluster = _cluster(ctx)
    if not yes:
        typer.confirm(f"Delete every row in {cluster.data_dir}?", abort=True)
    info = cluster.reset()
    _note(ctx, info)
    say(ctx, f"[green]✓[/] reset: empty database {info.dbname} on port {info.port}")


@app.command()
def destroy(ctx: typer.Context, yes: YesOpt = False) -> None:
    """Stop the server and delete its data, certificates, passwords and the .env it wrote."""
    cluster, project = _local(ctx)
    if not yes:
        typer.confirm(f"Delete {cluster.root} (data, certificates, passwords)?", abort=True)
    destroy_standby(cluster)
    env_removed = remove_env_file(project.env_file, cluster.env_receipt)
    cluster.destroy()
    kept = "; kept the files pgplat did not make" if cluster.root.exists() else ""
    say(ctx, f"[green]✓[/] deleted {cluster.root}{kept}")
    if env_removed:
        say(ctx, f"[green]✓[/] deleted {project.env_file} (its password opened this server)")
    elif project.env_file.exists():
        say(
            ctx,
            f"kept {project.env_file}: not as `dev up` wrote it (edited, or not pgplat's); "
            "a password of this server in it no longer works",
        )


@app.command()
def seed(
    ctx: typer.Context,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            "-u",
            help="Database user (default: the first owner, as migrations run in production; "
            "the superuser when there is none).",
        ),
    ] = None,
) -> None:
    """Run environments.local.seed_scripts (SQL or Python) against the local server."""
    cluster, project = _local(ctx)
    config = cluster.config
    scripts = seed_scripts(project, config.environments.local.seed_scripts)
    if not scripts:
        raise UserError("no seed scripts: list them under environments.local.seed_scripts")
    for script in run_seeds(cluster.info(), _user(config, user or migration_user(config)), scripts):
        say(ctx, f"[green]✓[/] {script.name}")


@app.command()
def k8s(
    ctx: typer.Context,
    user: UserOpt = None,
    host: Annotated[
        str | None,
        typer.Option(
            help="The name or IP pods reach this machine by; the server's certificate must "
            "name it (default: environments.local.k8s_host)."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write here (mode 0600).")] = None,
) -> None:
    """Write production's ServiceAccount, ConfigMaps and a Secret for a local Kubernetes
    cluster (kind, minikube, k3d, Docker Desktop), pointing its pods at the local server."""
    cluster = _cluster(ctx)
    workload = local_workload(cluster.config, cluster.info(), _user(cluster.config, user), host)
    _notes(ctx, workload.notes)
    as_json = state(ctx).output == "json"
    if out is None:
        if as_json:  # kubectl apply -f takes JSON too
            emit_json({"apiVersion": "v1", "kind": "List", "items": workload.documents})
        else:
            typer.echo(workload.yaml(), nl=False)
        return
    write_private(out, workload.yaml())
    namespace = workload.documents[0]["metadata"]["namespace"]
    if as_json:
        emit_json({"file": str(out), "namespace": namespace, "notes": list(workload.notes)})
    say(ctx, f"[green]✓[/] wrote {out} (ServiceAccount, ConfigMaps, Secret in {namespace})")


@app.command()
def compose(ctx: typer.Context, user: UserOpt = None) -> None:
    """For Docker users: write compose.yaml (same major, users, TLS) and the application's
    settings (.env only when compose is the chosen runtime and no native server runs)."""
    cluster, project = _local(ctx)
    files = write_compose(cluster, project, _user(cluster.config, user))
    ensure_gitignored(project.root, [*project.ignored(outputs=False), APP_ENV_FILE])
    _notes(ctx, files.notes)
    if state(ctx).output == "json":
        emit_json(
            {
                "compose_file": str(files.compose_file),
                "env_file": str(files.app_env_file),
                "notes": list(files.notes),
            }
        )
    say(
        ctx,
        f"[green]✓[/] wrote {files.compose_file} and {files.app_env_file}; "
        "start it with `docker compose up --wait`",
    )
