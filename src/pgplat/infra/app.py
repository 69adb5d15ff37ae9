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

import functools
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aws_cdk as cdk

import pgplat
from pgplat import __version__, naming
from pgplat.config.model import PgplatConfig, StackAccount
from pgplat.errors import UserError
from pgplat.infra.backup import BackupCopyStack, copy_vault_name, vault_arn
from pgplat.infra.cross_account import build_access_stacks
from pgplat.infra.data_stack import DataStack
from pgplat.infra.restore_validation import asset_environment
from pgplat.infra.staging import move_into_place, staging_area, writing
from pgplat.infra.trail import build_trail_stack
from pgplat.local.files import write_private
from pgplat.project import SYNTHESIS_RECORD

MANIFEST = SYNTHESIS_RECORD


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
    build_trail_stack,
)
"""Run in order for every environment; the data stack builder comes first."""


@dataclass(frozen=True)
class StackInfo:
    """Where a synthesized stack deploys, and its template file."""

    name: str
    env: str
    role: StackAccount
    account: str
    region: str
    template_path: Path


@dataclass(frozen=True)
class Synthesis:
    """The result of a synthesis: templates as dicts by stack name, and their metadata."""

    outdir: Path
    config_hash: str
    stacks: dict[str, StackInfo]
    templates: dict[str, dict[str, Any]]
    reused: bool = False

    def stacks_of(self, env: str, role: StackAccount | None = None) -> list[StackInfo]:
        return [s for s in self.stacks.values() if s.env == env and role in (None, s.role)]

    def template(self, stack_name: str) -> dict[str, Any]:
        return self.templates[stack_name]


def config_hash(config: PgplatConfig, base_dir: Path = Path()) -> str:
    """Hash of everything a synthesis depends on: the config, the derived windows, the code
    that turns them into templates and assets (this package), what the validator asset is
    built from, the CA bundles the configuration names (below ``base_dir``), and the CDK."""
    document = {
        "config": config.model_dump(mode="json", by_alias=True),
        "windows": [config.maintenance.windows.backup, config.maintenance.windows.maintenance],
        "pgplat": __version__,
        "pgplat-source": _running_source(),
        "validator-asset": asset_environment(),
        "ca-bundles": _ca_bundle_digests(config, base_dir),
        "aws-cdk-lib": version("aws-cdk-lib"),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def source_files(package: Path) -> list[Path]:
    """The files of ``package`` a synthesis reads: every module (the validator asset ships
    some of them), and the YAML and JSON data beside them."""
    return sorted(
        path
        for path in package.rglob("*")
        if path.suffix in (".py", ".yaml", ".json")
        and path.is_file()
        and "__pycache__" not in path.parts
    )


@functools.cache
def _running_source() -> str:
    """The digest of pgplat as this process loaded it (taken once: the code that runs does
    not change when its files are edited meanwhile)."""
    return source_digest(Path(pgplat.__file__).parent)


def source_digest(package: Path) -> str:
    """Hash of the names and contents of ``package``'s source files."""
    digest = hashlib.sha256()
    for path in source_files(package):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _ca_bundle_digests(config: PgplatConfig, base_dir: Path) -> dict[str, str | None]:
    """Each environment's CA bundle file by content (None: not there, which synthesis reports)."""
    digests: dict[str, str | None] = {}
    for name, settings in config.environments.cloud().items():
        restore_test = settings.backup.restore_test
        if restore_test is None or restore_test.ca_bundle is None:
            continue
        try:
            content = (base_dir / restore_test.ca_bundle).read_bytes()
        except OSError:
            digests[name] = None
        else:
            digests[name] = hashlib.sha256(content).hexdigest()
    return digests


def synthesize(
    config: PgplatConfig,
    outdir: Path,
    envs: Iterable[str] | None = None,
    *,
    reuse: bool = False,
    base_dir: Path = Path(),
) -> Synthesis:
    """Synthesize the environments (default: all cloud environments) into ``outdir``;
    files the configuration names (``restore_test.ca_bundle``) are found below ``base_dir``."""
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
            for info, template in _synthesize_environment(config, env_name, staged, base_dir):
                final = outdir / env_name / info.template_path.relative_to(staged)
                stacks[info.name] = replace(info, template_path=final)
                templates[info.name] = template
            move_into_place(staged, outdir / env_name)
        synthesis = Synthesis(outdir, digest, stacks, templates)
        _write_manifest(synthesis, chosen)
    return synthesis


def _synthesize_environment(
    config: PgplatConfig, env_name: str, assembly_dir: Path, base_dir: Path
) -> Iterator[tuple[StackInfo, dict[str, Any]]]:
    """One environment's cloud assembly, written to ``assembly_dir``: each stack and template."""
    env = EnvironmentApp(
        app=_create_app(config, env_name, assembly_dir),
        config=config,
        env_name=env_name,
        base_dir=base_dir,
    )
    for builder in STACK_BUILDERS:
        builder(env)
    assembly = env.app.synth()
    for artifact in assembly.stacks:
        info = StackInfo(
            name=artifact.stack_name,
            env=env_name,
            role=env.role_of(artifact.stack_name),
            account=artifact.environment.account,
            region=artifact.environment.region,
            template_path=Path(artifact.template_full_path),
        )
        yield info, artifact.template


def _create_app(config: PgplatConfig, env_name: str, assembly_dir: Path) -> cdk.App:
    """The one place an App is created: tags, explicit AZs, and app-wide validation plugins."""
    zones = config.availability_zones
    accounts = {config.account_of(env_name, "data"), config.account_of(env_name, "app")}
    context = {
        f"availability-zones:account={account}:region={config.region}": zones
        for account in sorted(accounts)
    }
    app = cdk.App(outdir=str(assembly_dir), context=context, analytics_reporting=False)
    for key, value in config.tags_of(env_name).items():
        cdk.Tags.of(app).add(key, value)
    return app
