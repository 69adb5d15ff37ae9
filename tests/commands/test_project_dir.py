"""Every command that touches a project's files, run from a folder other than the config's:
what it writes lands in the config file's folder and what it reads is found there, as in
docker compose; ``--project-dir`` moves the root.

One project for the module: examples/innovate-inc.yaml copied unchanged (so the session's
synthesis of it is reused instead of synthesizing again), and one local server in it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values
from typer.testing import CliRunner, Result

from pgplat.commands.app import app
from pgplat.config.loader import load_config, parse_config
from pgplat.design.prices import load_prices, save_prices
from pgplat.drills.failover.local import standby_of
from pgplat.errors import UserError
from pgplat.infra.app import MANIFEST, Synthesis, synthesize
from pgplat.local.cluster import LocalCluster
from pgplat.local.seed import seed_scripts
from pgplat.project import Project
from tests.fixtures.examples import INNOVATE
from tests.fixtures.postgres import server_root

APP_IDS = [
    "--parameter=innovate-dev-app:AppVpc0Id=vpc-0d1e2f",
    "--parameter=innovate-dev-app:AppVpc0RouteTableId=rtb-0d1e2f",
    "--parameter=innovate-dev-app:AppVpc0SubnetIds=subnet-1,subnet-2",
]


@dataclass(frozen=True)
class Layout:
    root: Path
    """The config file's folder: where everything must land."""
    elsewhere: Path
    """The current folder of every command: nothing may land here."""

    @property
    def config(self) -> Path:
        return self.root / "pgplat.yaml"

    def pgplat(self, *args: str, config: Path | None = None) -> Result:
        """`pgplat -q -c CONFIG ARGS` run from ``elsewhere``."""
        with contextlib.chdir(self.elsewhere):
            return CliRunner().invoke(app, ["-q", "-c", str(config or self.config), *args])

    def ok(self, *args: str, config: Path | None = None) -> Result:
        result = self.pgplat(*args, config=config)
        assert result.exit_code == 0, f"{args}: {result.output}{result.exception!r}"
        assert list(self.elsewhere.iterdir()) == [], f"{args} wrote into the current folder"
        return result


@pytest.fixture(scope="module")
def layout(innovate_synth: Synthesis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    root = server_root("project-dir")  # the local server's account must reach its data
    shutil.copyfile(INNOVATE, root / "pgplat.yaml")
    shutil.copytree(innovate_synth.outdir, root / "cdk.out")
    yield Layout(root, tmp_path_factory.mktemp("elsewhere"))
    primary = LocalCluster(load_config(INNOVATE), root / ".pgplat" / "local")
    standby_of(primary).destroy()
    primary.destroy()
    shutil.rmtree(root, ignore_errors=True)


def test_synth_check_and_deploy_use_the_assemblies_in_the_config_folder(layout: Layout) -> None:
    manifest = layout.root / "cdk.out" / MANIFEST
    synthesized = manifest.stat().st_mtime_ns
    synth = json.loads(layout.ok("-o", "json", "synth", "--reuse", "--no-lint").stdout)
    assert (synth["outdir"], synth["reused"]) == (str(layout.root / "cdk.out"), True)
    assert layout.ok("check", "--layer", "rules", "--env", "prod").exit_code == 0
    dry_run = layout.ok("deploy", "--env", "dev", "--dry-run", *APP_IDS).stdout
    assert str(layout.root / "cdk.out" / "dev") in dry_run
    assert manifest.stat().st_mtime_ns == synthesized, "found, not synthesized again"


def test_up_and_down_keep_everything_in_the_config_folder(layout: Layout) -> None:
    up = json.loads(layout.ok("-o", "json", "up").stdout)
    assert up["cdk_out"] == str(layout.root / "cdk.out")
    assert up["synthesis_reused"] is True
    assert up["env_file"] == str(layout.root / ".env")
    assert (layout.root / "cdk.out" / "pgplat-check.json").is_file()
    assert (layout.root / "build" / "guardrails" / "scp-nonprod-deny-prod-data.json").is_file()
    assert {".env", ".pgplat/local/", "cdk.out/", "build/"} <= set(
        (layout.root / ".gitignore").read_text().splitlines()
    )
    assert json.loads(layout.ok("-o", "json", "down").stdout) == {"stopped": True}
    assert layout.ok("down").stdout == ""  # -q: nothing but errors


def test_dev_commands_and_the_failover_drill_find_the_server_in_the_config_folder(
    layout: Layout,
) -> None:
    local = layout.root / ".pgplat" / "local"
    layout.ok("dev", "up", "--standby")
    assert (local / "pgdata" / "PG_VERSION").is_file()
    assert dotenv_values(layout.root / ".env")["PGSSLROOTCERT"] == str(local / "tls" / "ca.crt")
    status = json.loads(layout.ok("-o", "json", "dev", "status").stdout)
    assert (status["status"], status["root"]) == ("running", str(local))
    assert layout.ok("dev", "url").stdout.startswith("postgresql://web:****@localhost:")

    # Another configuration file in the same folder is the same project: the same server.
    seeded = layout.root / "seeded.yaml"
    document = yaml.safe_load(INNOVATE.read_text())
    document["environments"]["local"]["seed_scripts"] = ["seeds/colors.sql"]
    seeded.write_text(yaml.safe_dump(document))
    (layout.root / "seeds").mkdir()
    (layout.root / "seeds" / "colors.sql").write_text("CREATE TABLE app.colors (name text);\n")
    layout.ok("dev", "seed", config=seeded)

    drill = json.loads(
        layout.ok("-o", "json", "drill", "failover", "--env", "local", "--warmup", "0.5").stdout
    )
    assert drill["outcome"] == "passed"
    assert (layout.root / ".pgplat" / "drills" / f"{drill['drill_id']}.json").is_file()

    native = (layout.root / ".env").read_bytes()
    layout.ok("dev", "compose")
    service = yaml.safe_load((layout.root / "compose.yaml").read_text())["services"]["postgres"]
    for mount in service["volumes"][1:]:
        assert (layout.root / mount.split(":")[0]).exists(), mount
    assert (layout.root / ".env").read_bytes() == native, "the native server's .env is kept"
    env = dotenv_values(layout.root / ".env.compose")
    assert (env["PGPORT"], env["PGSSLROOTCERT"]) == ("5432", str(local / "tls" / "ca.crt"))
    assert dotenv_values(local / "docker" / "compose.env")["PGPLAT_PASSWORD_WEB"]

    layout.ok("dev", "down")
    assert layout.pgplat("dev", "status").exit_code == 3
    layout.ok("dev", "destroy", "--yes")
    assert not local.exists()
    assert not standby_of(LocalCluster(load_config(INNOVATE), local)).root.exists()


def test_project_dir_overrides_the_config_folder(layout: Layout, tmp_path: Path) -> None:
    chosen = tmp_path / "chosen"
    before = sorted(p.name for p in layout.root.iterdir())
    with contextlib.chdir(layout.elsewhere):
        result = CliRunner().invoke(
            app,
            ["-q", "-c", str(layout.config), "--project-dir", str(chosen), "synth", "--env", "dev"],
            env={"PGPLAT_PROJECT_DIR": str(tmp_path / "not-this-one")},
        )
    assert result.exit_code == 0, result.output
    assert (chosen / "cdk.out" / "dev" / "manifest.json").is_file()
    assert sorted(p.name for p in layout.root.iterdir()) == before
    assert list(layout.elsewhere.iterdir()) == []


def test_project_dir_comes_from_the_environment_too(layout: Layout, tmp_path: Path) -> None:
    with contextlib.chdir(layout.elsewhere):
        result = CliRunner().invoke(
            app,
            ["-c", str(layout.config), "-o", "json", "dev", "status"],
            env={"PGPLAT_PROJECT_DIR": str(tmp_path)},
        )
    assert json.loads(result.stdout)["root"] == str(tmp_path / ".pgplat" / "local")


def test_refreshed_prices_are_the_projects(tmp_path: Path) -> None:
    project = Project.of(tmp_path / "pgplat.yaml")
    shipped = load_prices(refreshed=project.prices)
    assert project.prices == tmp_path / ".pgplat" / "prices.json"
    us = shipped.regions["us-east-1"]
    moved = shipped.model_copy(update={"regions": {"eu-central-1": us}})
    save_prices(moved, project.prices)
    assert set(load_prices(refreshed=project.prices).regions) == {"eu-central-1"}
    assert load_prices(refreshed=tmp_path / "absent.json") == shipped


def test_a_ca_bundle_is_found_below_the_root(tmp_path: Path) -> None:
    document = yaml.safe_load(INNOVATE.read_text())
    document["environments"]["prod"]["backup"]["restore_test"]["ca_bundle"] = "rds-ca.pem"
    config = parse_config(yaml.safe_dump(document))
    with pytest.raises(UserError, match=f"ca_bundle: {tmp_path / 'rds-ca.pem'} not found"):
        synthesize(config, tmp_path / "cdk.out", ["prod"], base_dir=tmp_path)


def test_seed_scripts_resolve_against_the_root(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "a.sql").write_text("select 1;\n")
    project = Project.of(tmp_path / "pgplat.yaml")
    with contextlib.chdir(tmp_path / "seeds"):
        assert seed_scripts(project, ["seeds/a.sql"]) == [tmp_path / "seeds" / "a.sql"]
