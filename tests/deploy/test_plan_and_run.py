"""Deployment plans from real synthesized assemblies; the CDK CLI replaced at the process
boundary by a recorder, so ordering, failure handling and credentials are checked exactly."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from pgplat.config import PgplatConfig
from pgplat.deploy.plan import StackTarget, deployment_order, read_assembly
from pgplat.deploy.runner import dry_run_lines, run_plan
from pgplat.errors import UserError
from pgplat.infra.app import Synthesis

CDK = ["node", "/cache/cdk"]


class Recorder:
    """Stands in for the CDK CLI process: records argv/env, fails the stacks it is told to."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []
        self.failing = failing

    def __call__(self, argv: list[str], env: Mapping[str, str]) -> int:
        self.calls.append((argv, dict(env)))
        return 1 if argv[argv.index("--exclusively") + 1] in self.failing else 0


@pytest.fixture(scope="module")
def prod_plan(innovate: PgplatConfig, innovate_synth: Synthesis) -> list[StackTarget]:
    return deployment_order(read_assembly(innovate, innovate_synth.outdir / "prod", "prod"))


def test_plan_covers_every_prod_stack_in_its_account(
    prod_plan: list[StackTarget], innovate_synth: Synthesis, innovate: PgplatConfig
) -> None:
    assert {s.name for s in prod_plan} == {s.name for s in innovate_synth.stacks_of("prod")}
    for stack in prod_plan:
        assert stack.account == innovate.account_of(
            "prod", "data" if stack.role == "data" else "app"
        )


def test_dependencies_deploy_first(prod_plan: list[StackTarget]) -> None:
    position = {s.name: i for i, s in enumerate(prod_plan)}
    assert any(s.dependencies for s in prod_plan)
    for stack in prod_plan:
        for dep in stack.dependencies:
            assert position[dep] < position[stack.name]


def test_dependency_cycle_is_a_user_error(prod_plan: list[StackTarget]) -> None:
    a, b = prod_plan[0], prod_plan[1]
    looped = [
        StackTarget(**{**vars(a), "dependencies": (b.name,)}),
        StackTarget(**{**vars(b), "dependencies": (a.name,)}),
    ]
    with pytest.raises(UserError, match="depends on itself"):
        deployment_order(looped)


def test_deploy_runs_each_stack_exclusively_in_order(
    innovate: PgplatConfig, prod_plan: list[StackTarget]
) -> None:
    recorder = Recorder()
    results = run_plan(innovate, "deploy", prod_plan, CDK, recorder)
    assert [r.stack.name for r in results] == [s.name for s in prod_plan]
    argv, _ = recorder.calls[0]
    assert argv[:3] == [*CDK, "deploy"]
    assert argv[argv.index("--app") + 1] == str(prod_plan[0].assembly)
    assert "--require-approval" in argv


def test_first_failure_stops_the_deploy(
    innovate: PgplatConfig, prod_plan: list[StackTarget]
) -> None:
    recorder = Recorder(failing=frozenset({prod_plan[0].name}))
    results = run_plan(innovate, "deploy", prod_plan, CDK, recorder)
    assert len(results) == 1
    assert not results[0].ok
    assert len(recorder.calls) == 1


def test_diff_goes_on_past_a_failure(innovate: PgplatConfig, prod_plan: list[StackTarget]) -> None:
    recorder = Recorder(failing=frozenset({prod_plan[0].name}))
    results = run_plan(innovate, "diff", prod_plan, CDK, recorder)
    assert len(results) == len(prod_plan)


def test_profiles_per_account_reach_the_cli(
    innovate: PgplatConfig, prod_plan: list[StackTarget]
) -> None:
    config = innovate.model_copy(
        update={
            "deploy": innovate.deploy.model_copy(
                update={
                    "data": innovate.deploy.data.model_copy(update={"profile": "innovate-data"}),
                    "app": innovate.deploy.app.model_copy(update={"profile": "innovate-app"}),
                }
            )
        }
    )
    recorder = Recorder()
    run_plan(config, "deploy", prod_plan, CDK, recorder)
    for (_, env), stack in zip(recorder.calls, prod_plan, strict=True):
        assert env == {"AWS_PROFILE": f"innovate-{stack.role}"}
    lines = dry_run_lines(config, "deploy", prod_plan)
    assert any(line.startswith("AWS_PROFILE=innovate-data cdk deploy --app") for line in lines)


def test_dry_run_lists_the_exact_commands(
    innovate: PgplatConfig, prod_plan: list[StackTarget]
) -> None:
    lines = dry_run_lines(innovate, "deploy", prod_plan)
    commands = [line for line in lines if not line.startswith("#")]
    assert len(commands) == len(prod_plan)
    for command, stack in zip(commands, prod_plan, strict=True):
        assert command.startswith(f"cdk deploy --app {stack.assembly} --exclusively {stack.name}")


def test_missing_assembly_says_to_synth(innovate: PgplatConfig, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="pgplat synth --env prod"):
        read_assembly(innovate, tmp_path / "prod", "prod")
