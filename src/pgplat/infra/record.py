"""What a synthesis depends on, and its record beside the assemblies, without the CDK.

``config_hash`` is the key of a synthesis (the configuration, pgplat's source as loaded, the
validator asset's interpreter and distributions, the CA bundles, the CDK's version); the
record (``cdk.out/pgplat-synthesis.json``) holds it with every template's hash. Deciding that a
synthesis can be reused therefore needs no jsii start-up: an unchanged `pgplat check` answers
from its caches without importing ``aws_cdk`` at all (:mod:`pgplat.infra.app` builds).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pgplat
from pgplat import __version__
from pgplat.local.files import write_private
from pgplat.project import SYNTHESIS_RECORD
from pgplat.validator import ASSET_DISTRIBUTIONS

if TYPE_CHECKING:  # what the code depends on is hashed without building the model
    from pgplat.config.model import PgplatConfig, StackAccount

MANIFEST = SYNTHESIS_RECORD


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


@functools.cache
def asset_environment() -> dict[str, str]:
    """What the validator asset holds besides pgplat's own modules: the interpreter and CPU
    it is built for, and the version of each distribution copied in (``ASSET_DISTRIBUTIONS``;
    read once: 16 ms, and a check asks three times)."""
    return {
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "machine": platform.machine(),
        **{name: importlib.metadata.version(name) for name in ASSET_DISTRIBUTIONS},
    }


def config_hash(config: PgplatConfig, base_dir: Path = Path()) -> str:
    """Hash of everything a synthesis depends on: the config, the derived windows, the code
    that turns them into templates and assets (this package), what the validator asset is
    built from, the CA bundles the configuration names (below ``base_dir``), and the CDK."""
    document = {
        "config": config.model_dump(mode="json", by_alias=True),
        "windows": [config.maintenance.windows.backup, config.maintenance.windows.maintenance],
        "pgplat": __version__,
        "pgplat-source": running_source(),
        "validator-asset": asset_environment(),
        "ca-bundles": {
            env: file_digest(path) for env, path in ca_bundle_files(config, base_dir).items()
        },
        "aws-cdk-lib": importlib.metadata.version("aws-cdk-lib"),
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
def running_source() -> str:
    """The digest of pgplat as this process loaded it (taken once: the code that runs does
    not change when its files are edited meanwhile)."""
    return source_digest(Path(pgplat.__file__).parent)


def source_digest(package: Path) -> str:
    """Hash of the names and contents of ``package``'s source files."""
    digest = hashlib.sha256()
    for path in source_files(package):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def ca_bundle_files(config: PgplatConfig, base_dir: Path) -> dict[str, Path]:
    """The CA bundle file each environment's restore test names, below ``base_dir``."""
    files: dict[str, Path] = {}
    for name, settings in config.environments.cloud().items():
        restore_test = settings.backup.restore_test
        if restore_test is not None and restore_test.ca_bundle is not None:
            files[name] = base_dir / restore_test.ca_bundle
    return files


def file_digest(path: Path) -> str | None:
    """The sha256 of a file's bytes; None when it cannot be read (a missing CA bundle is
    reported by the synthesis)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def reusable_synthesis(
    config: PgplatConfig, outdir: Path, envs: list[str] | None = None, base_dir: Path = Path()
) -> Synthesis | None:
    """The previous synthesis of ``envs`` (default: every cloud environment) in ``outdir``,
    if the configuration and code are unchanged and its templates are intact on disk."""
    chosen = envs if envs is not None else list(config.environments.cloud())
    return previous_synthesis(Path(outdir), config_hash(config, base_dir), chosen)


def write_manifest(synthesis: Synthesis, envs: list[str]) -> None:
    """The record: the inputs' hash, and each stack with its template's hash (checked before
    reuse, so a template changed on disk is never taken for this synthesis's)."""
    stacks = [
        {
            "name": s.name,
            "env": s.env,
            "role": s.role,
            "account": s.account,
            "region": s.region,
            "template": str(s.template_path.relative_to(synthesis.outdir)),
            "sha256": hashlib.sha256(s.template_path.read_bytes()).hexdigest(),
        }
        for s in synthesis.stacks.values()
    ]
    manifest = {"config_hash": synthesis.config_hash, "envs": envs, "stacks": stacks}
    write_private(synthesis.outdir / MANIFEST, json.dumps(manifest, indent=2) + "\n", mode=0o644)


def previous_synthesis(outdir: Path, digest: str, envs: list[str]) -> Synthesis | None:
    """The previous synthesis in ``outdir`` if it was made from the same inputs and every
    template on disk is the one it wrote."""
    try:
        manifest = json.loads((outdir / MANIFEST).read_text())
        if manifest["config_hash"] != digest or not set(envs) <= set(manifest["envs"]):
            return None
        recorded = [s for s in manifest["stacks"] if s["env"] in envs]
        stacks: dict[str, StackInfo] = {}
        templates: dict[str, dict[str, Any]] = {}
        for s in recorded:
            path = outdir / s["template"]
            content = path.read_bytes()
            if hashlib.sha256(content).hexdigest() != s["sha256"]:
                return None
            stacks[s["name"]] = StackInfo(
                s["name"], s["env"], s["role"], s["account"], s["region"], path
            )
            templates[s["name"]] = json.loads(content)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Synthesis(outdir, digest, stacks, templates, reused=True)
