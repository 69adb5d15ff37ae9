"""The synthesis API: stacks per environment and account role, manifest, and reuse (only of
an intact synthesis of the same inputs, assets included)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pgplat
from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.infra.app import MANIFEST, StackInfo, Synthesis, synthesize
from pgplat.infra.record import config_hash, previous_synthesis, source_digest, source_files
from pgplat.infra.restore_validation import asset_hash, validator_modules
from pgplat.validator.settings import HANDLER, HANDLER_MODULE
from tests.drills.restore.test_ca_layer import PEM, _with_bundle
from tests.fixtures.assemblies import WITHOUT_ASSETS
from tests.fixtures.examples import NORTHWIND


def test_innovate_stacks_and_their_accounts(innovate_synth: Synthesis) -> None:
    stacks = {(s.name, s.env, s.role, s.account, s.region) for s in innovate_synth.stacks.values()}
    assert {
        ("innovate-prod-data", "prod", "data", "111111111111", "us-east-1"),
        ("innovate-prod-backup-copy", "prod", "data", "111111111111", "us-west-2"),
        ("innovate-dev-data", "dev", "data", "333333333333", "us-east-1"),
    } <= stacks


def test_one_cloud_assembly_per_environment(innovate_synth: Synthesis) -> None:
    for info in innovate_synth.stacks.values():
        assert info.template_path.parent == innovate_synth.outdir / info.env
        assert info.template_path.is_file()
    assert (innovate_synth.outdir / MANIFEST).is_file()


def test_the_cdks_builtin_validation_does_not_run(innovate_synth: Synthesis) -> None:
    """cfn-lint checks every template against the same registry schemas (the check's
    cfn-lint layer, and `pgplat synth`); the CDK's own engine only cost seconds per process."""
    for env in ("prod", "dev"):
        assert (innovate_synth.outdir / env / "manifest.json").is_file()
        assert not (innovate_synth.outdir / env / "validation-report.json").exists()


def test_northwind_has_no_dev_stack(northwind_synth: Synthesis) -> None:
    assert northwind_synth.stacks_of("dev") == []
    assert sorted(s.name for s in northwind_synth.stacks_of("prod", "data")) == [
        "northwind-prod-data",
        "northwind-prod-trail",
    ]


def test_unchanged_config_reuses_the_synthesis(
    northwind: PgplatConfig, northwind_synth: Synthesis
) -> None:
    again = synthesize(northwind, northwind_synth.outdir, reuse=True)
    assert again.reused
    assert again.config_hash == northwind_synth.config_hash
    assert again.templates == northwind_synth.templates
    assert again.stacks == northwind_synth.stacks


def test_an_output_folder_named_through_dot_dot_synthesizes(
    northwind: PgplatConfig, northwind_synth: Synthesis, tmp_path: Path
) -> None:
    """`pgplat -c ../cfg/pgplat.yaml synth` from another folder: the CDK reports each template
    by its resolved path, which is not below the folder as named (it crashed)."""
    (tmp_path / "elsewhere").mkdir()
    named = tmp_path / "elsewhere" / ".." / "cdk.out"
    synthesis = synthesize(northwind, named)
    assert synthesis.templates == northwind_synth.templates
    assert all(s.template_path.is_file() for s in synthesis.stacks.values())


def test_each_environments_templates_are_handed_on_once_in_place(
    northwind: PgplatConfig, tmp_path: Path
) -> None:
    """``written`` (cfn-lint, linting while the next environment synthesizes) sees the
    templates where the synthesis leaves them, before ``inspect`` (cdk-nag) runs."""
    seen: list[tuple[str, object]] = []

    def written(stacks: list[StackInfo]) -> None:
        assert all(s.template_path.is_file() for s in stacks)
        seen.append(("written", sorted(stacks, key=lambda s: s.name)))

    synthesis = synthesize(
        northwind,
        tmp_path,
        written=written,
        inspect=lambda _app, folder: seen.append(("inspect", folder)),
    )
    placed = sorted(synthesis.stacks_of("prod"), key=lambda s: s.name)
    assert seen == [("written", placed), ("inspect", tmp_path / "prod")]


def test_changed_config_does_not_reuse(northwind: PgplatConfig, tmp_path: Path) -> None:
    changed = northwind.model_copy(update={"tags": {**northwind.tags, "team": "orders"}})
    assert config_hash(changed) != config_hash(northwind)
    (tmp_path / MANIFEST).write_text(
        json.dumps({"config_hash": config_hash(northwind), "envs": ["prod"], "stacks": []})
    )
    assert previous_synthesis(tmp_path, config_hash(changed), ["prod"]) is None
    assert previous_synthesis(tmp_path, config_hash(northwind), ["dev"]) is None


def test_unknown_environment_is_a_user_error(northwind: PgplatConfig, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="environment dev is not configured"):
        synthesize(northwind, tmp_path, ["dev"])


def test_tags_on_every_taggable_resource(innovate: PgplatConfig, innovate_synth: Synthesis) -> None:
    template = innovate_synth.template("innovate-prod-data")
    tagged = [r for r in template["Resources"].values() if "Tags" in r.get("Properties", {})]
    assert len(tagged) > 20
    for resource in tagged:
        tags = resource["Properties"]["Tags"]
        pairs = {t["Key"]: t["Value"] for t in tags} if isinstance(tags, list) else dict(tags)
        assert innovate.tags.items() <= pairs.items(), resource["Type"]


def test_no_secret_value_anywhere_in_the_assembly(innovate_synth: Synthesis) -> None:
    """Passwords are generated by Secrets Manager or RDS at deploy time, never written."""
    for path in innovate_synth.outdir.rglob("*.json"):
        text = path.read_text()
        for forbidden in ('"MasterUserPassword"', '"SecretString"', '"Password"'):
            assert forbidden not in text, f"{forbidden} in {path.name}"
    for name, template in innovate_synth.templates.items():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::SecretsManager::Secret":
                assert set(resource["Properties"]) & {"GenerateSecretString"}, name


_INTERRUPTED_CHILD = """
import sys
from pathlib import Path
from pgplat.config.loader import load_config
from pgplat.infra.app import synthesize

config = load_config(Path(sys.argv[1]))
changed = config.model_copy(update={"tags": {**config.tags, "team": "interrupted"}})
synthesize(changed, Path(sys.argv[2]), ["prod"])
"""


def _first_new_template(outdir: Path, since: float) -> bool:
    """Whether a template was written below ``outdir`` since ``since`` (files come and go
    while the child synthesizes)."""
    for folder, _dirs, files in os.walk(outdir):
        for name in files:
            with contextlib.suppress(OSError):
                if name.endswith(".template.json") and os.stat(f"{folder}/{name}").st_mtime > since:
                    return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_synthesis_is_never_taken_for_the_previous_one(
    signal_number: int, northwind: PgplatConfig, northwind_synth: Synthesis, tmp_path: Path
) -> None:
    """A real child re-synthesizing a changed configuration is killed as soon as it has
    written a template; the unchanged configuration then gets exactly its own templates."""
    outdir = tmp_path / "cdk.out"
    shutil.copytree(northwind_synth.outdir, outdir, ignore=WITHOUT_ASSETS)
    started = time.time()
    child = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED_CHILD, str(NORTHWIND), str(outdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while child.poll() is None and not _first_new_template(outdir, started):
            time.sleep(0.01)
        assert child.poll() is None, "the child finished before a template was written"
        child.send_signal(signal_number)
        child.wait(timeout=60)
    finally:
        child.kill()
    again = synthesize(northwind, outdir, ["prod"], reuse=True)
    prod = {n: t for n, t in northwind_synth.templates.items() if n in again.stacks}
    assert again.templates == prod
    for info in again.stacks.values():
        assert json.loads(info.template_path.read_text()) == again.templates[info.name]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_template_changed_on_disk_is_not_reused(
    data: st.DataObject, northwind: PgplatConfig, northwind_synth: Synthesis, tmp_path: Path
) -> None:
    outdir = tmp_path / f"cdk.out-{uuid.uuid4().hex}"
    shutil.copytree(northwind_synth.outdir, outdir, ignore=WITHOUT_ASSETS)
    digest, envs = northwind_synth.config_hash, ["prod"]
    assert previous_synthesis(outdir, digest, envs) is not None
    stack = data.draw(st.sampled_from(sorted(northwind_synth.stacks)))
    path = outdir / northwind_synth.stacks[stack].template_path.relative_to(northwind_synth.outdir)
    content = bytearray(path.read_bytes())
    at = data.draw(st.integers(0, len(content) - 1))
    content[at] = data.draw(st.integers(0, 255).filter(lambda b: b != content[at]))
    path.write_bytes(bytes(content))
    assert previous_synthesis(outdir, digest, envs) is None


def test_the_validators_modules_are_those_importing_its_handler_loads() -> None:
    """Read from the source, they are what a fresh interpreter has loaded of pgplat once it
    imported the handler: the asset lacks no module the Lambda imports, and ships no other."""
    probe = (
        "import sys\n"
        f"import {HANDLER_MODULE}\n"
        "for name, module in sorted(sys.modules.items()):\n"
        "    if name.split('.')[0] == 'pgplat':\n"
        "        print(module.__file__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-P", "-c", probe], capture_output=True, text=True, check=True
    )
    package = Path(pgplat.__file__).parent
    loaded = [Path(file).relative_to(package).as_posix() for file in done.stdout.split()]
    assert validator_modules() == loaded


def test_the_key_covers_every_file_of_the_validator_asset() -> None:
    package = Path(pgplat.__file__).parent
    covered = {p.relative_to(package).as_posix() for p in source_files(package)}
    assert set(validator_modules()) <= covered


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_an_edit_to_any_module_changes_the_key(data: st.DataObject, tmp_path: Path) -> None:
    package = tmp_path / f"pgplat-{uuid.uuid4().hex}"
    shutil.copytree(Path(pgplat.__file__).parent, package)
    before = source_digest(package)
    modules = [package / m for m in validator_modules()]
    module = data.draw(st.sampled_from(modules))
    module.write_bytes(module.read_bytes() + data.draw(st.binary(min_size=1, max_size=8)))
    assert source_digest(package) != before


def test_a_new_or_changed_ca_bundle_changes_the_key(
    northwind: PgplatConfig, tmp_path: Path
) -> None:
    config = _with_bundle(northwind, Path("rds-ca.pem"))
    missing = config_hash(config, tmp_path)
    (tmp_path / "rds-ca.pem").write_text(PEM)
    first = config_hash(config, tmp_path)
    (tmp_path / "rds-ca.pem").write_text(PEM + PEM)
    second = config_hash(config, tmp_path)
    assert len({missing, first, second}) == 3
    assert config_hash(config, tmp_path) == second


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_validator_asset_is_named_by_what_goes_into_it(
    data: st.DataObject, northwind_synth: Synthesis, tmp_path: Path
) -> None:
    """The asset ships exactly ``validator_modules``, and its custom hash (which CDK turns
    into the uploaded key) changes with any byte of any of them."""
    template = northwind_synth.template("northwind-prod-data")
    (validator,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == HANDLER
    ]
    key = validator["Properties"]["Code"]["S3Key"]
    staged = northwind_synth.outdir / "prod" / f"asset.{key.removesuffix('.zip')}" / "pgplat"
    shipped = {p.relative_to(staged).as_posix() for p in staged.rglob("*.py")}
    assert shipped == set(validator_modules())
    copy = tmp_path / f"asset-{uuid.uuid4().hex}"
    shutil.copytree(staged, copy)
    before = asset_hash(copy)
    module = copy / data.draw(st.sampled_from(sorted(shipped)))
    module.write_bytes(module.read_bytes() + data.draw(st.binary(min_size=1, max_size=8)))
    assert asset_hash(copy) != before
