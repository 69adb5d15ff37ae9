"""`pgplat deploy | diff | bootstrap` through the real console entry, on the session's synthesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.deploy.gate import refuse_unless_checked
from pgplat.errors import UserError
from pgplat.infra.app import Synthesis, synthesize
from tests.drills.restore.test_ca_layer import PEM, _with_bundle
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE, NORTHWIND


def test_dry_run_needs_the_ids_no_stack_produces(
    run_cli: RunCli, innovate_synth: Synthesis
) -> None:
    base = [
        "-c",
        str(INNOVATE),
        "-q",
        "deploy",
        "--env",
        "dev",
        "--dry-run",
        "--cdk-out",
        str(innovate_synth.outdir),
    ]
    refused = run_cli(*base)
    assert refused.returncode == 2
    assert "innovate-dev-app:AppVpc0Id" in refused.stderr
    given = [
        f"--parameter=innovate-dev-app:{name}"
        for name in (
            "AppVpc0Id=vpc-0d1e2f",
            "AppVpc0RouteTableId=rtb-0d1e2f",
            "AppVpc0SubnetIds=subnet-1,subnet-2",
        )
    ]
    done = run_cli(*base, *given)
    assert done.returncode == 0, done.stderr
    assert "pinned" in done.stdout.splitlines()[0]
    commands = [line for line in done.stdout.splitlines() if line.startswith("cdk deploy")]
    assert [c.split("--exclusively ")[1].split()[0] for c in commands] == [
        "innovate-dev-data",
        "innovate-dev-app",
        "innovate-dev-data",
    ]
    assert "AppVpc0Id=vpc-0d1e2f" in commands[1]


def test_bootstrap_writes_policies_and_prints_commands(
    run_cli: RunCli, innovate_synth: Synthesis, tmp_path: Path
) -> None:
    policies = tmp_path / "policies"
    done = run_cli(
        "-c",
        str(INNOVATE),
        "-q",
        "bootstrap",
        "--env",
        "prod",
        "--cdk-out",
        str(innovate_synth.outdir),
        "--policy-dir",
        str(policies),
    )
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in policies.iterdir())
    assert written == ["111111111111.json", "222222222222.json"]
    assert json.loads((policies / "111111111111.json").read_text())["Version"] == "2012-10-17"
    assert "cdk bootstrap aws://111111111111/us-east-1" in done.stdout


def test_prod_deploy_passes_the_gate_for_the_example(
    innovate: PgplatConfig, innovate_synth: Synthesis
) -> None:
    refuse_unless_checked(innovate, "prod", innovate_synth.outdir, base_dir=Path())


@pytest.mark.slow
def test_prod_deploy_is_refused_when_check_fails(northwind: PgplatConfig, tmp_path: Path) -> None:
    prod = northwind.environments.prod
    weak = northwind.model_copy(
        update={
            "environments": northwind.environments.model_copy(
                update={
                    "prod": prod.model_copy(update={"deletion_protection": False}),
                }
            )
        }
    )
    with pytest.raises(UserError, match="refusing to deploy prod") as info:
        refuse_unless_checked(weak, "prod", tmp_path / "cdk.out", base_dir=tmp_path)
    assert "pgplat check --env prod" in str(info.value)


def test_unknown_environment_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli(
        "-c", str(NORTHWIND), "diff", "--env", "dev", "--dry-run", "--cdk-out", str(tmp_path)
    )
    assert done.returncode == 2
    assert "environment dev is not configured" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_the_gate_reads_the_synthesis_deploy_made_from_any_folder(
    northwind: PgplatConfig, tmp_path: Path
) -> None:
    """A CA bundle relative to the project is found by the gate as by synthesis, so the
    gate judges the synthesis `deploy` just made (run here from another folder)."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "rds-ca.pem").write_text(PEM)
    config = _with_bundle(northwind, Path("rds-ca.pem"))
    made = synthesize(config, project / "cdk.out", ["prod"], base_dir=project)
    refuse_unless_checked(config, "prod", project / "cdk.out", base_dir=project)
    again = synthesize(config, project / "cdk.out", ["prod"], reuse=True, base_dir=project)
    assert again.reused
    assert again.templates == made.templates
