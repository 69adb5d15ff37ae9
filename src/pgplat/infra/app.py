"""Build the CDK app of each environment and synthesize it: the pure API behind `pgplat synth`.

``synthesize(config, outdir)`` writes one cloud assembly per environment (``outdir/prod``,
``outdir/dev``) and a manifest holding a hash of everything the templates depend on, so an
unchanged configuration reuses the previous synthesis (``reuse=True``). No AWS credentials
and no context lookups are needed: accounts, region and AZs all come from the configuration.

Stacks are added by *builders* listed in ``STACK_BUILDERS``: a function that receives the
:class:`EnvironmentApp` (with the data stack built so far) and registers its stacks with the
account role they deploy to. Adding a stack to every environment is one line there.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from pgplat import naming
from pgplat.config.model import PgplatConfig, StackAccount
from pgplat.errors import UserError
from pgplat.infra.backup import BackupCopyStack, copy_vault_name, vault_arn
from pgplat.infra.cross_account import build_access_stacks
from pgplat.infra.data_stack import DataStack
from pgplat.infra.hub import build_hub_stack
from pgplat.infra.record import MANIFEST as MANIFEST
from pgplat.infra.record import StackInfo as StackInfo
from pgplat.infra.record import Synthesis as Synthesis
from pgplat.infra.record import config_hash, previous_synthesis, write_manifest
from pgplat.infra.staging import move_into_place, staging_area, writing
from pgplat.infra.trail import build_trail_stack


@dataclass
class EnvironmentApp:
    """One environment's CDK app while it is being built, handed to each stack builder."""

    app: cdk.App
    config: PgplatConfig
    env_name: str
    roles: dict[str, StackAccount] = field(default_factory=dict)
    data: DataStack | None = None
    base_dir: Path = Path()
    """What relative paths in the configuration are relative to: the project's root."""

    @property
    def prefix(self) -> str:
        """``<name>-<env>``: the start of every stack name and resource name."""
        return naming.env_prefix(self.config, self.env_name)

    def environment(self, role: StackAccount, region: str | None = None) -> cdk.Environment:
        """Where a stack of ``role`` deploys: the role's account, the configured region."""
        return cdk.Environment(
            account=self.config.account_of(self.env_name, role),
            region=region or self.config.region,
        )

    def add(self, stack: cdk.Stack, role: StackAccount) -> cdk.Stack:
        """Register a stack and the account role it deploys to (recorded in the manifest)."""
        self.roles[stack.stack_name] = role
        return stack

    def role_of(self, stack_name: str) -> StackAccount:
        if stack_name not in self.roles:
            raise RuntimeError(f"stack {stack_name} was built without EnvironmentApp.add()")
        return self.roles[stack_name]

    def data_stack(self) -> DataStack:
        if self.data is None:
            raise RuntimeError("the data stack builder must run before stacks that use it")
        return self.data


StackBuilder = Callable[[EnvironmentApp], None]
Inspect = Callable[[cdk.App, Path], None]
"""Called with each environment's app once it is synthesized, and the folder its assembly is
in (e.g. cdk-nag, checking the construct tree while it still exists)."""
Written = Callable[[list[StackInfo]], None]
"""Called with each environment's stacks as soon as their templates are in place, before
``Inspect`` and the next environment (e.g. cfn-lint, linting them meanwhile)."""


def build_data_stacks(env: EnvironmentApp) -> None:
    """The data stack, and the copy-vault stack in the other region when copies are asked."""
    settings = env.config.environments.cloud()[env.env_name]
    copy = settings.backup.cross_region_copy
    copy_stack = None
    copy_arn = None
    if copy is not None:
        target = env.environment("data", copy.region)
        copy_stack = BackupCopyStack(
            env.app,
            naming.backup_copy_stack_name(env.config, env.env_name),
            prefix=env.prefix,
            lock=settings.backup.vault_lock,
            env=target,
        )
        env.add(copy_stack, "data")
        assert target.account is not None
        copy_arn = vault_arn(
            cdk.Aws.PARTITION, copy.region, target.account, copy_vault_name(env.prefix)
        )
    env.data = DataStack(
        env.app,
        naming.data_stack_name(env.config, env.env_name),
        config=env.config,
        env_name=env.env_name,
        copy_vault_arn=copy_arn,
        base_dir=env.base_dir,
        env=env.environment("data"),
        description=f"pgplat {env.config.name} {env.env_name}: PostgreSQL data account",
    )
    env.add(env.data, "data")
    if copy_stack is not None:
        env.data.add_stack_dependency(copy_stack, "backups are copied into the vault it creates")


STACK_BUILDERS: tuple[StackBuilder, ...] = (
    build_data_stacks,
    build_access_stacks,
    build_hub_stack,
    build_trail_stack,
)
"""Run in order for every environment; the data stack builder comes first."""


def synthesize(
    config: PgplatConfig,
    outdir: Path,
    envs: Iterable[str] | None = None,
    *,
    reuse: bool = False,
    base_dir: Path = Path(),
    inspect: Inspect | None = None,
    written: Written | None = None,
) -> Synthesis:
    """Synthesize the environments (default: all cloud environments) into ``outdir``;
    files the configuration names (``restore_test.ca_bundle``) are found below ``base_dir``;
    ``written`` and ``inspect`` see each environment it synthesizes (not a reused synthesis)."""
    available = list(config.environments.cloud())
    chosen = list(envs) if envs is not None else available
    unknown = [e for e in chosen if e not in available]
    if unknown:
        raise UserError(
            f"environment {', '.join(unknown)} is not configured; "
            f"configured: {', '.join(available)} (see environments in the config)"
        )
    outdir = Path(outdir)
    digest = config_hash(config, base_dir)
    if reuse:
        cached = previous_synthesis(outdir, digest, chosen)
        if cached is not None:
            return cached
    stacks: dict[str, StackInfo] = {}
    templates: dict[str, dict[str, Any]] = {}
    with writing(outdir), staging_area(outdir) as stage:
        for env_name in chosen:
            staged = Path(tempfile.mkdtemp(prefix=f"{env_name}-", dir=stage))
            app, built = _synthesize_environment(config, env_name, staged, base_dir)
            placed = []
            for info, template in built:
                final = outdir / env_name / info.template_path.relative_to(staged)
                placed.append(replace(info, template_path=final))
                templates[info.name] = template
            move_into_place(staged, outdir / env_name)
            stacks.update((info.name, info) for info in placed)
            if written is not None:
                written(placed)
            if inspect is not None:
                inspect(app, outdir / env_name)
        synthesis = Synthesis(outdir, digest, stacks, templates)
        write_manifest(synthesis, chosen)
    return synthesis


def _synthesize_environment(
    config: PgplatConfig, env_name: str, assembly_dir: Path, base_dir: Path
) -> tuple[cdk.App, list[tuple[StackInfo, dict[str, Any]]]]:
    """One environment's cloud assembly, written to ``assembly_dir``: its app, and each
    stack with its template."""
    env = EnvironmentApp(
        app=_create_app(config, env_name, assembly_dir),
        config=config,
        env_name=env_name,
        base_dir=base_dir,
    )
    for builder in STACK_BUILDERS:
        builder(env)
    env.data_stack().helper_functions.harden()  # once every builder added what it adds
    assembly = env.app.synth()
    built = []
    for artifact in assembly.stacks:
        # the file as named below assembly_dir: the CDK's full path is resolved, and is not
        # below a folder named through '..' or a symlink
        path = assembly_dir / artifact.template_file
        info = StackInfo(
            name=artifact.stack_name,
            env=env_name,
            role=env.role_of(artifact.stack_name),
            account=artifact.environment.account,
            region=artifact.environment.region,
            template_path=path,
        )
        # read here rather than through jsii, which sends the template over from Node and
        # decodes it a dictionary at a time: a tenth of a second for prod's templates
        built.append((info, json.loads(path.read_text(encoding="utf-8"))))
    return env.app, built


def _create_app(config: PgplatConfig, env_name: str, assembly_dir: Path) -> cdk.App:
    """The one place an App is created: tags and explicit AZs."""
    zones = config.availability_zones
    accounts = {config.account_of(env_name, "data"), config.account_of(env_name, "app")}
    context = {
        f"availability-zones:account={account}:region={config.region}": zones
        for account in sorted(accounts)
    }
    app = cdk.App(
        outdir=str(assembly_dir),
        context=context,
        analytics_reporting=False,
        # cfn-lint checks every template against the same registry schemas; the CDK's own
        # engine reported warnings nobody read and cost ~4 CPU-seconds per process
        builtin_cloud_formation_validation=False,
    )
    for key, value in config.tags_of(env_name).items():
        cdk.Tags.of(app).add(key, value)
    return app
