"""Parameters that carry ids from one account's stack to another's, and the steps they imply.

A stack cannot reference a resource in another account, so the cross-account stacks take
what they need as CloudFormation parameters, named after the other stack's outputs (the app
stack's ``TransitGatewayId`` comes from the data stack's ``AccessTransitGatewayId``; the data
stack's ``AppVpc0AttachmentId`` from the app stack's output of that name). The plan wires each
parameter to the one output whose key ends with its name:

- a parameter without a default makes its stack wait for the source stack;
- a parameter with a default (an id that can only exist later) deploys with the default first,
  and its stack is deployed again at the end, once the source has produced the value.

Values come from the outputs files `pgplat deploy` writes per stack; parameters no stack
produces must be given on the command line (``--parameter STACK:NAME=VALUE``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pgplat.deploy.plan import StackTarget, deployment_order, outputs_file
from pgplat.errors import UserError

_IGNORED = {"BootstrapVersion"}


@dataclass(frozen=True)
class Input:
    """A parameter fed from another stack's output."""

    parameter: str
    source: str
    output: str


@dataclass(frozen=True)
class Step:
    """One CDK invocation: a stack, its wired inputs, and values given by the user."""

    stack: StackTarget
    inputs: tuple[Input, ...]
    given: tuple[tuple[str, str], ...] = ()
    revisit: bool = False


def _parameters(stack: StackTarget) -> dict[str, bool]:
    """Parameter name -> whether it has a default."""
    params = stack.template().get("Parameters", {})
    return {n: "Default" in p for n, p in params.items() if n not in _IGNORED}


def _sources(stacks: list[StackTarget]) -> dict[str, dict[str, Input]]:
    outputs = {s.name: list(s.template().get("Outputs", {})) for s in stacks}
    wired: dict[str, dict[str, Input]] = {}
    for stack in stacks:
        for parameter in _parameters(stack):
            matches = [
                Input(parameter, other, key)
                for other, keys in outputs.items()
                if other != stack.name
                for key in keys
                if key.endswith(parameter)
            ]
            if len(matches) == 1:
                wired.setdefault(stack.name, {})[parameter] = matches[0]
    return wired


def plan_steps(
    stacks: list[StackTarget], given: Mapping[str, Mapping[str, str]] | None = None
) -> list[Step]:
    """Deployment steps: dependency order, then second visits for late-bound parameters."""
    given = given or {}
    sources = _sources(stacks)
    missing = [
        f"{s.name}:{p}"
        for s in stacks
        for p, has_default in _parameters(s).items()
        if not has_default and p not in sources.get(s.name, {}) and p not in given.get(s.name, {})
    ]
    if missing:
        raise UserError(
            f"no stack produces {', '.join(missing)}; set the ids in the config "
            "(network.app_vpcs[]: vpc_id, subnet_ids, route_table_ids) or pass "
            "--parameter STACK:NAME=VALUE"
        )
    required = {
        s.name: {i.source for p, i in sources.get(s.name, {}).items() if not _parameters(s)[p]}
        for s in stacks
    }
    order = deployment_order(stacks, required)
    position = {s.name: i for i, s in enumerate(order)}
    steps, revisits = [], []
    for stack in order:
        wired = sources.get(stack.name, {}).values()
        ready = tuple(i for i in wired if position[i.source] < position[stack.name])
        late = tuple(i for i in wired if position[i.source] > position[stack.name])
        values = tuple(sorted(given.get(stack.name, {}).items()))
        steps.append(Step(stack, ready, values))
        if late:
            revisits.append(Step(stack, (*ready, *late), values, revisit=True))
    return steps + revisits


def resolve(step: Step, cdk_out: Path) -> dict[str, str]:
    """Parameter values for a step: outputs of the stacks already deployed, then given ones."""
    values: dict[str, str] = {}
    for item in step.inputs:
        path = outputs_file(cdk_out, item.source)
        try:
            values[item.parameter] = str(json.loads(path.read_text())[item.source][item.output])
        except (OSError, ValueError, KeyError):
            raise UserError(
                f"{step.stack.name} needs {item.parameter} from {item.source}'s output "
                f"{item.output}, but {path} does not have it; deploy {item.source} first"
            ) from None
    values.update(dict(step.given))
    return values


def placeholders(step: Step) -> dict[str, str]:
    """How a dry run shows the values that only exist after earlier steps."""
    shown = {i.parameter: f"<{i.source}.{i.output}>" for i in step.inputs}
    shown.update(dict(step.given))
    return shown
