"""Which stacks to deploy, where, and in which order — read from the synthesized assemblies.

The cloud assembly's manifest.json is the CDK's own record of every stack's account, region
and dependencies, so the plan follows exactly what was synthesized: a stack is deployed only
after every stack it depends on, across accounts (data network before the app-account
attachment that needs the shared Transit Gateway, and so on).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgplat.aws.sessions import ConfiguredAccount, account_role
from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError

_STACK = "aws:cloudformation:stack"


def outputs_file(cdk_out: Path, stack: str) -> Path:
    """Where `pgplat deploy` keeps a deployed stack's outputs (`cdk deploy --outputs-file`)."""
    return cdk_out / "outputs" / f"{stack}.json"


@dataclass(frozen=True)
class StackTarget:
    """One stack of one environment's assembly, with where it goes."""

    name: str
    env: str
    account: str
    region: str
    role: ConfiguredAccount
    assembly: Path
    dependencies: tuple[str, ...]
    template_file: Path

    @property
    def outputs_file(self) -> Path:
        """Where the deployed stack's outputs are kept (read by `pgplat up` for manifests)."""
        return outputs_file(self.assembly.parent, self.name)

    def template(self) -> dict[str, Any]:
        """The synthesized CloudFormation template."""
        data: dict[str, Any] = json.loads(self.template_file.read_text())
        return data


def read_assembly(config: PgplatConfig, assembly: Path, env: str) -> list[StackTarget]:
    """Every stack in ``assembly`` (a cdk.out/<env> directory), in manifest order."""
    manifest_file = assembly / "manifest.json"
    if not manifest_file.is_file():
        raise UserError(f"{manifest_file} not found; run `pgplat synth --env {env}` first")
    artifacts: dict[str, dict[str, object]] = json.loads(manifest_file.read_text())["artifacts"]
    stacks = {name: a for name, a in artifacts.items() if a.get("type") == _STACK}
    targets = []
    for name, artifact in stacks.items():
        account, region = str(artifact["environment"]).removeprefix("aws://").split("/")
        deps = artifact.get("dependencies") or []
        properties = artifact.get("properties") or {}
        assert isinstance(deps, list)
        assert isinstance(properties, dict)
        targets.append(
            StackTarget(
                name=name,
                env=env,
                account=account,
                region=region,
                role=account_role(config, account),
                assembly=assembly,
                dependencies=tuple(d for d in deps if d in stacks),
                template_file=assembly / str(properties["templateFile"]),
            )
        )
    return targets


def deployment_order(
    stacks: list[StackTarget], extra: Mapping[str, set[str]] | None = None
) -> list[StackTarget]:
    """Dependencies (and ``extra`` ones, by stack name) first; otherwise manifest order."""
    by_name = {s.name: s for s in stacks}
    ordered: list[StackTarget] = []
    state: dict[str, str] = {}

    def visit(stack: StackTarget) -> None:
        if state.get(stack.name) == "done":
            return
        if state.get(stack.name) == "visiting":
            raise UserError(f"stack {stack.name} depends on itself through its dependencies")
        state[stack.name] = "visiting"
        for dep in sorted({*stack.dependencies, *(extra or {}).get(stack.name, set())}):
            visit(by_name[dep])
        state[stack.name] = "done"
        ordered.append(stack)

    for stack in stacks:
        visit(stack)
    return ordered
