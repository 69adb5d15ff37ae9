"""Deploying through a network hub (accounts.network): three accounts in the order the
attachments need — hub (share, route tables) → data and app (attachments, routes) → hub again
(acceptance, associations, routes) — and a bootstrap of the hub account that allows only what
its stack creates. Real synthesized assemblies; the CDK CLI recorded at the process boundary."""

from __future__ import annotations

import json
import shutil

import pytest

from pgplat import naming
from pgplat.config.model import PgplatConfig
from pgplat.deploy.bootstrap import bootstrap_lines, plan_bootstrap
from pgplat.deploy.plan import StackTarget, deployment_order, read_assembly
from pgplat.deploy.runner import dry_run_lines, run_plan
from pgplat.deploy.wiring import Step, plan_steps
from pgplat.infra.app import Synthesis
from pgplat.infra.connectivity import DATA_ATTACHMENT_OUTPUT
from tests.deploy.test_plan_and_run import CDK, Recorder
from tests.fixtures.hub import HUB_CONFIG

HUB_ACCOUNT = HUB_CONFIG.accounts.network
HUB, DATA, APP = (
    naming.network_stack_name(HUB_CONFIG, "prod"),
    naming.data_stack_name(HUB_CONFIG, "prod"),
    naming.app_stack_name(HUB_CONFIG, "prod"),
)


@pytest.fixture(scope="module")
def hub_plan(
    hub_config: PgplatConfig, hub_synth: Synthesis, tmp_path_factory: pytest.TempPathFactory
) -> list[StackTarget]:
    """The prod plan over a private copy of the assembly, so deploy outputs stay in it."""
    cdk_out = tmp_path_factory.mktemp("hub-deploy")
    shutil.copytree(hub_synth.outdir / "prod", cdk_out / "prod")
    return deployment_order(read_assembly(hub_config, cdk_out / "prod", "prod"))


@pytest.fixture(scope="module")
def hub_steps(hub_plan: list[StackTarget]) -> list[Step]:
    return plan_steps(hub_plan)


def _with_hub_profile(config: PgplatConfig) -> PgplatConfig:
    access = config.deploy.network.model_copy(update={"profile": "innovate-network"})
    return config.model_copy(
        update={"deploy": config.deploy.model_copy(update={"network": access})}
    )


def test_the_hub_deploys_first_and_again_last(hub_steps: list[Step]) -> None:
    visits = [(s.stack.name, s.revisit) for s in hub_steps if s.stack.name in (HUB, DATA, APP)]
    assert visits[0] == (HUB, False)
    assert sorted(visits[1:3]) == [(APP, False), (DATA, False)]
    assert visits[3:] == [(HUB, True)]
    assert (hub_steps[-1].stack.name, hub_steps[-1].revisit) == (HUB, True)
    hub = next(s.stack for s in hub_steps if s.stack.name == HUB)
    assert (hub.account, hub.role) == (HUB_ACCOUNT, "network")


def test_the_attachments_come_back_to_the_hub(hub_steps: list[Step]) -> None:
    assert sorted((i.parameter, i.source, i.output) for i in hub_steps[-1].inputs) == [
        ("AppVpc0AttachmentId", APP, "AppVpc0AttachmentId"),
        (DATA_ATTACHMENT_OUTPUT, DATA, DATA_ATTACHMENT_OUTPUT),
    ]
    first = next(s for s in hub_steps if s.stack.name == HUB)
    assert first.inputs == ()  # the share and route tables need nothing of the others
    for name in (DATA, APP):  # the attachments name the configured TGW, not a parameter
        assert next(s for s in hub_steps if s.stack.name == name).inputs == ()
    assert [s.stack.name for s in hub_steps if s.revisit] == [HUB]


def test_deploy_passes_the_attachment_ids_to_the_hub_with_its_credentials(
    hub_config: PgplatConfig, hub_plan: list[StackTarget], hub_steps: list[Step]
) -> None:
    outputs = {
        DATA: {DATA_ATTACHMENT_OUTPUT: "tgw-attach-0data"},
        APP: {"AppVpc0AttachmentId": "tgw-attach-0app"},
    }
    for stack in hub_plan:
        stack.outputs_file.parent.mkdir(parents=True, exist_ok=True)
        stack.outputs_file.write_text(json.dumps({stack.name: outputs.get(stack.name, {})}))
    recorder = Recorder()
    config = _with_hub_profile(hub_config)
    run_plan(config, "deploy", hub_steps, CDK, recorder)
    argv, env = recorder.calls[-1]
    given = [argv[i + 1] for i, a in enumerate(argv) if a == "--parameters"]
    assert sorted(given) == [
        "AppVpc0AttachmentId=tgw-attach-0app",
        f"{DATA_ATTACHMENT_OUTPUT}=tgw-attach-0data",
    ]
    assert env == {"AWS_PROFILE": "innovate-network"}
    first = next(i for i, s in enumerate(hub_steps) if s.stack.name == HUB)
    assert recorder.calls[first][1] == {"AWS_PROFILE": "innovate-network"}


def test_the_dry_run_names_the_three_accounts_in_order(
    hub_config: PgplatConfig, hub_steps: list[Step]
) -> None:
    lines = dry_run_lines(_with_hub_profile(hub_config), "deploy", hub_steps)
    comments = [line for line in lines if line.startswith("# ")]
    hub_lines = [c for c in comments if c.startswith(f"# {HUB} ")]
    assert len(hub_lines) == 2
    assert all(f"network account {HUB_ACCOUNT}" in c for c in hub_lines)
    assert hub_lines[-1].endswith("again with the ids deployed since")
    commands = [line for line in lines if not line.startswith("#")]
    assert commands[-1].startswith("AWS_PROFILE=innovate-network cdk deploy --app")
    assert f"'{DATA_ATTACHMENT_OUTPUT}=<{DATA}.{DATA_ATTACHMENT_OUTPUT}>'" in commands[-1]


def test_the_hub_account_is_bootstrapped_for_its_stack_only(
    hub_config: PgplatConfig, hub_plan: list[StackTarget]
) -> None:
    (hub,) = [i for i in plan_bootstrap(hub_config, hub_plan) if i.account == HUB_ACCOUNT]
    assert hub.role == "network"
    services = set(hub.policy["Statement"][0]["Action"])
    assert {"ram:*", "ec2:*", "lambda:*", "cloudformation:*"} <= services
    assert not {"rds:*", "kms:*", "secretsmanager:*", "backup:*", "*"} & services
    lines = bootstrap_lines(_with_hub_profile(hub_config), [hub], "cdk.out/bootstrap")
    assert lines[0] == f"# network account {HUB_ACCOUNT} ({hub_config.region})"
    assert all(line.endswith("--profile innovate-network") for line in lines[1:])
