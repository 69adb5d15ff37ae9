"""The one model every check reads: a CDK cloud assembly (``cdk.out``) as plain data, with
its stacks, their templates, the environment and account role of each, and the construct
metadata cdk-nag acknowledgements live in.

It is read from disk, whether pgplat synthesized it (then ``pgplat synth``'s record beside
the assemblies names each stack's environment and account role) or not (then the accounts
in the configuration decide). The manifest is a documented JSON schema, so reading it
directly keeps checks free of a jsii start-up; nested assemblies (CDK stages) are followed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pgplat.errors import UserError
from pgplat.project import SYNTHESIS_RECORD

if TYPE_CHECKING:  # an assembly is read without building the configuration's model
    from pgplat.config.model import PgplatConfig, StackAccount
    from pgplat.infra.app import Synthesis

Json = Mapping[str, Any]
ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"
_LOGICAL_ID = "aws:cdk:logicalId"


@dataclass(frozen=True)
class Resource:
    """One template resource, with the stack (and environment) it sits in."""

    stack: str
    logical_id: str
    type: str
    definition: Json
    environment: str | None = None

    @property
    def properties(self) -> Json:
        props: Json = self.definition.get("Properties", {})
        return props


@dataclass(frozen=True)
class Stack:
    """One synthesized stack: its template and where it belongs."""

    name: str
    template_path: Path
    template: Json
    account: str | None
    region: str | None
    environment: str | None
    metadata: Mapping[str, list[Json]] = field(default_factory=dict)
    role: StackAccount | None = None
    """Which of the environment's accounts the stack deploys to (None: not one of them)."""

    @property
    def resources(self) -> Iterator[Resource]:
        for logical_id in self.template.get("Resources", {}):
            resource = self.resource(logical_id)
            assert resource is not None
            yield resource

    def resource(self, logical_id: str) -> Resource | None:
        definition = self.template.get("Resources", {}).get(logical_id)
        if definition is None:
            return None
        kind = definition.get("Type", "")
        return Resource(self.name, logical_id, kind, definition, self.environment)

    def logical_ids(self) -> dict[str, str]:
        """Construct path of every L1 resource, to its logical id."""
        return {
            path: str(entry["data"])
            for path, entries in self.metadata.items()
            for entry in entries
            if entry.get("type") == _LOGICAL_ID
        }

    def acknowledgements(self) -> dict[str, dict[str, str]]:
        """Construct path to ``{rule id: reason}`` recorded by ``Validations.acknowledge``."""
        found: dict[str, dict[str, str]] = {}
        for path, entries in self.metadata.items():
            for entry in entries:
                if entry.get("type") == ACKNOWLEDGED_RULES:
                    found.setdefault(path, {}).update(entry.get("data", {}))
        return found


@dataclass(frozen=True)
class Assembly:
    """Every stack of a cloud assembly, in manifest order."""

    outdir: Path
    stacks: tuple[Stack, ...]
    read: Mapping[str, str | None] = field(default_factory=dict)
    """Every file it was read from (manifests, metadata files, templates and the synthesis
    record), by path, with the sha256 of the bytes read (None: there was no record), so what
    is computed from it can be kept until one of them changes."""

    @classmethod
    def load(cls, outdir: Path, config: PgplatConfig) -> Assembly:
        """Read ``outdir``: one cloud assembly, or (as ``pgplat synth`` writes) one per
        environment in a sub-directory named after it."""
        roots = assembly_roots(outdir)
        if not roots:
            raise UserError(
                f"{outdir} holds no CDK cloud assembly (no manifest.json); "
                "run `pgplat synth` or point --from-cdk-out at its output directory"
            )
        owners = _environment_of_account(config)
        named = set(config.environments.cloud())
        read: dict[str, str | None] = {}
        recorded = _recorded_roles(outdir, read)
        stacks: list[Stack] = []
        for root in roots:
            environment = root.name if root != outdir and root.name in named else None
            for stack in _stacks(root, owners, environment, read):
                role = recorded.get(stack.name) or _role_by_account(stack, config)
                stacks.append(replace(stack, role=role))
        return cls(outdir, tuple(stacks), read)

    @classmethod
    def of_synthesis(cls, synthesis: Synthesis, config: PgplatConfig) -> Assembly:
        """The stacks a synthesis just wrote (its folder may hold other environments'
        assemblies from earlier runs; they are not part of it)."""
        loaded = cls.load(synthesis.outdir, config)
        stacks = tuple(s for s in loaded.stacks if s.name in synthesis.stacks)
        return replace(loaded, stacks=stacks)

    def environment(self, name: str | None) -> Iterator[Stack]:
        return (s for s in self.stacks if s.environment == name)

    def stacks_of(self, environment: str, role: StackAccount) -> list[Stack]:
        """The environment's stacks in its data or its app account."""
        return [s for s in self.environment(environment) if s.role == role]

    def stack(self, name: str) -> Stack:
        return next(s for s in self.stacks if s.name == name)


def assembly_roots(outdir: Path) -> list[Path]:
    """The cloud assemblies in ``outdir``: itself if it is one, else each sub-directory that
    is (``pgplat synth`` writes one per environment)."""
    if (outdir / "manifest.json").is_file():
        return [outdir]
    return sorted(p.parent for p in outdir.glob("*/manifest.json"))


def _environment_of_account(config: PgplatConfig) -> dict[str, str]:
    """Which environment an account's stacks belong to (data and app accounts are prod)."""
    owners = {config.accounts.data: "prod", config.accounts.app: "prod"}
    if config.accounts.nonprod is not None:
        owners[config.accounts.nonprod] = "dev"
    return owners


def _recorded_roles(outdir: Path, read: dict[str, str | None]) -> dict[str, StackAccount]:
    """Each stack's account role, as `pgplat synth` recorded it (none for other assemblies)."""
    path = outdir / SYNTHESIS_RECORD
    try:
        content = path.read_bytes()
    except OSError:
        read[str(path)] = None
        return {}
    read[str(path)] = hashlib.sha256(content).hexdigest()
    try:
        record = json.loads(content)
    except ValueError:
        return {}
    return {
        s["name"]: s["role"]
        for s in record.get("stacks", [])
        if s.get("role") in ("data", "app", "network")
    }


def _role_by_account(stack: Stack, config: PgplatConfig) -> StackAccount | None:
    """Without a record: a stack in its environment's data account is a data stack, one in
    the network hub's a network stack."""
    env = stack.environment
    if env is None or env not in config.environments.cloud():
        return None
    if stack.account == config.accounts.network:
        return "network"
    return "data" if stack.account == config.account_of(env, "data") else "app"


def _read(path: Path, read: dict[str, str | None]) -> Json:
    """The JSON document in ``path``; its digest goes to ``read``."""
    try:
        content = path.read_bytes()
        data: Json = json.loads(content)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {path}: {exc}; synthesize again") from None
    read[str(path)] = hashlib.sha256(content).hexdigest()
    return data


def _stacks(
    outdir: Path, owners: Mapping[str, str], environment: str | None, read: dict[str, str | None]
) -> Iterator[Stack]:
    for name, artifact in _read(outdir / "manifest.json", read).get("artifacts", {}).items():
        props = artifact.get("properties", {})
        if artifact.get("type") == "cdk:cloud-assembly":
            yield from _stacks(outdir / props["directoryName"], owners, environment, read)
        elif artifact.get("type") == "aws:cloudformation:stack":
            account, region = _account_and_region(artifact.get("environment", ""))
            metadata: Mapping[str, list[Json]] = artifact.get("metadata", {})
            extra = artifact.get("additionalMetadataFile")
            if extra:
                metadata = {**metadata, **_read(outdir / extra, read)}
            template_path = outdir / props["templateFile"]
            yield Stack(
                name=name,
                template_path=template_path,
                template=_read(template_path, read),
                account=account,
                region=region,
                environment=environment or owners.get(account or ""),
                metadata=metadata,
            )


def _account_and_region(environment: str) -> tuple[str | None, str | None]:
    """``aws://111111111111/us-east-1`` to its parts; None where CDK wrote 'unknown-…'."""
    parts = environment.removeprefix("aws://").split("/")
    account = parts[0] if parts and parts[0].isdigit() else None
    region = parts[1] if len(parts) > 1 and not parts[1].startswith("unknown") else None
    return account, region
