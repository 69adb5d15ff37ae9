"""Deployment plans from real synthesized assemblies; the CDK CLI replaced at the process
boundary by a recorder, so ordering, failure handling and credentials are checked exactly."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.deploy.plan import StackTarget, deployment_order, read_assembly
from pgplat.deploy.runner import dry_run_lines, run_plan
from pgplat.deploy.wiring import Step, plan_steps
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
def prod_plan(
    innovate: PgplatConfig, innovate_synth: Synthesis, tmp_path_factory: pytest.TempPathFactory
) -> list[StackTarget]:
    """The prod plan over a private copy of the assembly, so deploy outputs stay in it."""
    cdk_out = tmp_path_factory.mktemp("cdk.out")
    shutil.copytree(innovate_synth.outdir / "prod", cdk_out / "prod")
    return deployment_order(read_assembly(innovate, cdk_out / "prod", "prod"))


@pytest.fixture(scope="module")
def prod_steps(prod_plan: list[StackTarget]) -> list[Step]:
    return plan_steps(prod_plan)


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


def test_transit_gateway_ids_cross_accounts_in_three_steps(prod_steps: list[Step]) -> None:
    names = [(s.stack.name, s.revisit) for s in prod_steps]
    core = [
        n
        for n in names
        if n[0] in ("innovate-prod-backup-copy", "innovate-prod-data", "innovate-prod-app")
    ]
    assert core == [
        ("innovate-prod-backup-copy", False),
        ("innovate-prod-data", False),
        ("innovate-prod-app", False),
        ("innovate-prod-data", True),
    ]
    assert names[-1] == ("innovate-prod-data", True)
    app = next(s for s in prod_steps if s.stack.name == "innovate-prod-app")
    assert [(i.parameter, i.source, i.output) for i in app.inputs] == [
        ("TransitGatewayId", "innovate-prod-data", "AccessTransitGatewayId")
    ]
    assert [(i.parameter, i.source) for i in prod_steps[-1].inputs] == [
        ("AppVpc0AttachmentId", "innovate-prod-app")
    ]


def _deployed(plan: list[StackTarget]) -> None:
    """What `cdk deploy --outputs-file` leaves behind for each stack."""
    outputs = {
        "innovate-prod-data": {"AccessTransitGatewayId": "tgw-0123456789abcdef0"},
        "innovate-prod-app": {"AppVpc0AttachmentId": "tgw-attach-0abc"},
    }
    for stack in plan:
        stack.outputs_file.parent.mkdir(parents=True, exist_ok=True)
        stack.outputs_file.write_text(json.dumps({stack.name: outputs.get(stack.name, {})}))


def test_deploy_runs_each_step_exclusively_with_the_ids_of_earlier_ones(
    innovate: PgplatConfig, prod_plan: list[StackTarget], prod_steps: list[Step]
) -> None:
    _deployed(prod_plan)
    recorder = Recorder()
    results = run_plan(innovate, "deploy", prod_steps, CDK, recorder)
    assert [r.stack.name for r in results] == [s.stack.name for s in prod_steps]
    argv, _ = recorder.calls[0]
    assert argv[:3] == [*CDK, "deploy"]
    assert argv[argv.index("--app") + 1] == str(prod_plan[0].assembly)
    assert "--require-approval" in argv
    by_stack = [
        (step.stack.name, argv) for step, (argv, _) in zip(prod_steps, recorder.calls, strict=True)
    ]
    app_argv = next(argv for name, argv in by_stack if name == "innovate-prod-app")
    assert app_argv[app_argv.index("--parameters") + 1] == "TransitGatewayId=tgw-0123456789abcdef0"
    again = recorder.calls[-1][0]
    assert again[again.index("--parameters") + 1] == "AppVpc0AttachmentId=tgw-attach-0abc"


def test_a_missing_output_stops_with_what_to_deploy_first(
    innovate: PgplatConfig, prod_plan: list[StackTarget], prod_steps: list[Step]
) -> None:
    _deployed(prod_plan)
    prod_plan[1].outputs_file.write_text("{}")
    with pytest.raises(UserError, match="deploy innovate-prod-data first"):
        run_plan(innovate, "deploy", prod_steps, CDK, Recorder())


def test_first_failure_stops_the_deploy(innovate: PgplatConfig, prod_steps: list[Step]) -> None:
    recorder = Recorder(failing=frozenset({prod_steps[0].stack.name}))
    results = run_plan(innovate, "deploy", prod_steps, CDK, recorder)
    assert len(results) == 1
    assert not results[0].ok
    assert len(recorder.calls) == 1


def test_diff_visits_each_stack_once_and_goes_on_past_a_failure(
    innovate: PgplatConfig, prod_plan: list[StackTarget], prod_steps: list[Step]
) -> None:
    recorder = Recorder(failing=frozenset({prod_steps[0].stack.name}))
    results = run_plan(innovate, "diff", prod_steps, CDK, recorder)
    assert len(results) == len(prod_plan)
    assert all("--parameters" not in argv for argv, _ in recorder.calls)


def test_unproduced_parameters_must_be_given(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    dev = deployment_order(read_assembly(innovate, innovate_synth.outdir / "dev", "dev"))
    with pytest.raises(UserError, match="innovate-dev-app:AppVpc0Id") as info:
        plan_steps(dev)
    assert "--parameter STACK:NAME=VALUE" in str(info.value)
    given = {
        "innovate-dev-app": {
            "AppVpc0Id": "vpc-1",
            "AppVpc0RouteTableId": "rtb-1",
            "AppVpc0SubnetIds": "subnet-1,subnet-2",
        }
    }
    steps = plan_steps(dev, given)
    app = next(s for s in steps if s.stack.name == "innovate-dev-app")
    assert dict(app.given)["AppVpc0Id"] == "vpc-1"


def test_profiles_per_account_reach_the_cli(
    innovate: PgplatConfig, prod_plan: list[StackTarget], prod_steps: list[Step]
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
    _deployed(prod_plan)
    recorder = Recorder()
    run_plan(config, "deploy", prod_steps, CDK, recorder)
    for (_, env), step in zip(recorder.calls, prod_steps, strict=True):
        assert env == {"AWS_PROFILE": f"innovate-{step.stack.role}"}
    lines = dry_run_lines(config, "deploy", prod_steps)
    assert any(line.startswith("AWS_PROFILE=innovate-data cdk deploy --app") for line in lines)


def test_dry_run_lists_the_exact_commands(innovate: PgplatConfig, prod_steps: list[Step]) -> None:
    lines = dry_run_lines(innovate, "deploy", prod_steps)
    commands = [line for line in lines if not line.startswith("#")]
    assert len(commands) == len(prod_steps)
    for command, step in zip(commands, prod_steps, strict=True):
        assert command.startswith(
            f"cdk deploy --app {step.stack.assembly} --exclusively {step.stack.name}"
        )
    assert any(
        "'TransitGatewayId=<innovate-prod-data.AccessTransitGatewayId>'" in c for c in commands
    )


def test_missing_assembly_says_to_synth(innovate: PgplatConfig, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="pgplat synth --env prod"):
        read_assembly(innovate, tmp_path / "prod", "prod")
