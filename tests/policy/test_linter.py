"""cfn-lint's workers (:class:`pgplat.policy.lint.Linter`): what they find is what cfn-lint
finds in this process, a template in the cache starts no worker, a dead worker is an error
rather than a hang, and no worker outlives the linter's block."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.policy.assembly import Assembly
from pgplat.policy.cache import ResultCache, versions
from pgplat.policy.gate import checked_synthesis
from pgplat.policy.lint import Linter, lint_template, template_key
from tests.fixtures.children import processes_below, wait_for
from tests.fixtures.examples import NORTHWIND
from tests.fixtures.synth import copied_synthesis


@pytest.fixture
def stacks(northwind: PgplatConfig, northwind_synth: Synthesis, tmp_path: Path) -> Assembly:
    """Northwind's small stacks in a folder of this test's own, one with a cfn-lint error."""
    copied = Assembly.of_synthesis(copied_synthesis(northwind_synth, tmp_path / "out"), northwind)
    small = tuple(s for s in copied.stacks if "data" not in s.name)
    template = json.loads(small[0].template_path.read_text())
    template["Resources"]["Bad"] = {"Type": "AWS::S3::Bucket", "Properties": {"Nope": 1}}
    small[0].template_path.write_text(json.dumps(template, indent=1))
    return Assembly(copied.outdir, small)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's working folder, which the workers inherit."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def _workers(workdir: Path) -> list[int]:
    """The processes running in ``workdir`` other than this test's."""
    return [pid for pid in processes_below(workdir) if pid != os.getpid()]


def test_the_workers_find_what_cfn_lint_finds_here(stacks: Assembly, workdir: Path) -> None:
    with Linter(ResultCache(None), "us-east-1") as linter:
        linter.start()
        linter.lint(stacks.stacks)
        found = linter.findings(stacks.stacks)
        assert _workers(workdir)
    assert wait_for(lambda: not _workers(workdir), 2)
    here = [f for s in stacks.stacks for f in lint_template(s.name, s.template_path, s.region)]
    assert sorted(map(str, found)) == sorted(map(str, here))
    assert any(f.rule_id == "E3002" for f in found)


def test_templates_in_the_cache_start_no_worker(stacks: Assembly, workdir: Path) -> None:
    cache = ResultCache(None)
    with Linter(cache, "us-east-1") as linter:
        linter.lint(stacks.stacks)
        cold = linter.findings(stacks.stacks)
    # the forked workers are the first one's children: killed with it, gone a moment later
    assert wait_for(lambda: not _workers(workdir), 2)
    with Linter(cache, "us-east-1") as linter:
        linter.lint(stacks.stacks)
        assert not _workers(workdir)
        assert linter.findings(stacks.stacks) == cold


def test_a_dead_worker_is_an_error_not_a_hang(stacks: Assembly, workdir: Path) -> None:
    with Linter(ResultCache(None), "us-east-1") as linter:
        linter.start()
        for pid in _workers(workdir):
            os.kill(pid, signal.SIGKILL)
        linter.lint(stacks.stacks)
        with pytest.raises(RuntimeError, match="cfn-lint failed"):
            linter.findings(stacks.stacks)
    assert wait_for(lambda: not _workers(workdir), 2)


def test_the_checks_synthesis_lints_each_template_into_the_cache(
    northwind: PgplatConfig, tmp_path: Path
) -> None:
    """A cold check lints while it synthesizes: its cfn-lint layer then reads every template's
    matches from the cache it was handed, and lints none again."""
    cache = ResultCache(None)
    synthesis, _ = checked_synthesis(
        northwind, tmp_path, base_dir=NORTHWIND.parent, packs=(), lint_into=cache
    )
    for stack in synthesis.stacks.values():
        assert cache.get(template_key(stack.template_path, stack.region, versions())) is not None
