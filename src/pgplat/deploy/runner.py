"""Run `cdk deploy` / `cdk diff` over a deployment plan, one stack at a time.

Each stack is deployed ``--exclusively`` (the plan already ordered its dependencies) with its
own account's credentials; the first failure stops a deployment, so nothing is deployed on
top of a broken foundation. The process boundary is a ``CommandRunner`` so tests record
command lines instead of reaching AWS.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from pgplat.aws.sessions import access_for
from pgplat.config.model import PgplatConfig
from pgplat.deploy.accounts import cli_environment, describe_access
from pgplat.deploy.plan import StackTarget
from pgplat.deploy.wiring import Step, placeholders, resolve
from pgplat.processes import run_attached

Action = Literal["deploy", "diff"]


class CommandRunner(Protocol):
    def __call__(self, argv: list[str], env: Mapping[str, str]) -> int: ...


def run_subprocess(argv: list[str], env: Mapping[str, str]) -> int:
    """Run a command with the current environment plus ``env``, streaming its output; it
    ends with pgplat (see :mod:`pgplat.processes`)."""
    return run_attached(argv, env)


@dataclass(frozen=True)
class StepResult:
    stack: StackTarget
    action: Action
    exit_code: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def cdk_arguments(
    action: Action, stack: StackTarget, parameters: Mapping[str, str] | None = None
) -> list[str]:
    """The CDK CLI arguments for one stack (after the `cdk` executable)."""
    args = [action, "--app", str(stack.assembly), "--exclusively", stack.name]
    for name, value in (parameters or {}).items():
        args += ["--parameters", f"{name}={value}"]
    if action == "deploy":
        args += ["--require-approval", "never", "--ci", "--progress", "events"]
        args += ["--outputs-file", str(stack.outputs_file)]
    return args


def _steps_for(action: Action, steps: list[Step]) -> list[Step]:
    """A diff compares templates once per stack; parameters only matter to a deploy."""
    if action == "deploy":
        return steps
    return [Step(step.stack, ()) for step in steps if not step.revisit]


def dry_run_lines(config: PgplatConfig, action: Action, steps: list[Step]) -> list[str]:
    """The exact commands a run would execute, with where each one's credentials come from."""
    lines = []
    for step in _steps_for(action, steps):
        stack = step.stack
        access = access_for(config, stack.role)
        prefix = f"AWS_PROFILE={access.profile} " if access.profile and not access.role_arn else ""
        again = ", again with the ids deployed since" if step.revisit else ""
        lines.append(
            f"# {stack.name} -> {stack.role} account {stack.account} ({stack.region}), "
            f"{describe_access(access)}{again}"
        )
        arguments = cdk_arguments(action, stack, placeholders(step))
        lines.append(prefix + shlex.join(["cdk", *arguments]))
    return lines


def run_plan(
    config: PgplatConfig,
    action: Action,
    steps: list[Step],
    cdk: list[str],
    runner: CommandRunner = run_subprocess,
    on_step: Callable[[Step], None] = lambda _step: None,
) -> list[StepResult]:
    """Run ``action`` step by step; a failed deploy stops the run."""
    results: list[StepResult] = []
    for step in _steps_for(action, steps):
        on_step(step)
        stack = step.stack
        parameters = resolve(step, stack.assembly.parent)
        env = cli_environment(access_for(config, stack.role), stack.region)
        started = time.monotonic()
        code = runner([*cdk, *cdk_arguments(action, stack, parameters)], env)
        results.append(StepResult(stack, action, code, time.monotonic() - started))
        if code != 0 and action == "deploy":
            break
    return results
