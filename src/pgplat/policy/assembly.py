"""Read a CDK cloud assembly (``cdk.out``) as plain data: stacks, their templates, the
environment each belongs to, and the construct metadata cdk-nag acknowledgements live in.

The manifest is a documented JSON schema, so reading it directly keeps checks free of a jsii
start-up; nested assemblies (CDK stages) are followed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgplat.config import PgplatConfig
from pgplat.errors import UserError

Json = Mapping[str, Any]
ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"
_LOGICAL_ID = "aws:cdk:logicalId"


@dataclass(frozen=True)
class Resource:
    """One template resource, with the stack it sits in."""

    stack: str
    logical_id: str
    type: str
    definition: Json

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

    @property
    def resources(self) -> Iterator[Resource]:
        for logical_id, definition in self.template.get("Resources", {}).items():
            yield Resource(self.name, logical_id, definition.get("Type", ""), definition)

    def resource(self, logical_id: str) -> Resource | None:
        definition = self.template.get("Resources", {}).get(logical_id)
        if definition is None:
            return None
        return Resource(self.name, logical_id, definition.get("Type", ""), definition)

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

    @classmethod
    def load(cls, outdir: Path, config: PgplatConfig) -> Assembly:
        """Read ``outdir``: one cloud assembly, or (as ``pgplat synth`` writes) one per
        environment in a sub-directory named after it."""
        roots = (
            [outdir]
            if (outdir / "manifest.json").is_file()
            else sorted(p.parent for p in outdir.glob("*/manifest.json"))
        )
        if not roots:
            raise UserError(
                f"{outdir} holds no CDK cloud assembly (no manifest.json); "
                "run `pgplat synth` or point --from-cdk-out at its output directory"
            )
        owners = _environment_of_account(config)
        named = set(config.environments.cloud())
        stacks: list[Stack] = []
        for root in roots:
            environment = root.name if root != outdir and root.name in named else None
            stacks.extend(_stacks(root, owners, environment))
        return cls(outdir, tuple(stacks))

    def environment(self, name: str | None) -> Iterator[Stack]:
        return (s for s in self.stacks if s.environment == name)

    def stack(self, name: str) -> Stack:
        return next(s for s in self.stacks if s.name == name)


def _environment_of_account(config: PgplatConfig) -> dict[str, str]:
    """Which environment an account's stacks belong to (data and app accounts are prod)."""
    owners = {config.accounts.data: "prod", config.accounts.app: "prod"}
    if config.accounts.nonprod is not None:
        owners[config.accounts.nonprod] = "dev"
    return owners


def _read(path: Path) -> Json:
    try:
        data: Json = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}; synthesize again") from None
    return data


def _stacks(outdir: Path, owners: Mapping[str, str], environment: str | None) -> Iterator[Stack]:
    for name, artifact in _read(outdir / "manifest.json").get("artifacts", {}).items():
        props = artifact.get("properties", {})
        if artifact.get("type") == "cdk:cloud-assembly":
            yield from _stacks(outdir / props["directoryName"], owners, environment)
        elif artifact.get("type") == "aws:cloudformation:stack":
            account, region = _account_and_region(artifact.get("environment", ""))
            metadata: Mapping[str, list[Json]] = artifact.get("metadata", {})
            extra = artifact.get("additionalMetadataFile")
            if extra:
                metadata = {**metadata, **_read(outdir / extra)}
            template_path = outdir / props["templateFile"]
            yield Stack(
                name=name,
                template_path=template_path,
                template=_read(template_path),
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
