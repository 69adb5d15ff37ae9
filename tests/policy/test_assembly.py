"""The one model every check reads: a fresh synthesis and the same folder read back from disk
agree on each stack's environment and account role."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.infra.app import Synthesis
from pgplat.policy.assembly import Assembly
from tests.fixtures.synth import copied_synthesis


def test_a_synthesis_and_its_folder_read_back_are_the_same_assembly(
    innovate_synth: Synthesis, innovate: PgplatConfig
) -> None:
    fresh = Assembly.of_synthesis(innovate_synth, innovate)
    assert {s.name: (s.environment, s.role) for s in fresh.stacks} == {
        s.name: (s.env, s.role) for s in innovate_synth.stacks.values()
    }
    assert Assembly.load(innovate_synth.outdir, innovate) == fresh


def test_without_pgplat_s_record_the_accounts_decide(
    innovate_synth: Synthesis, innovate: PgplatConfig
) -> None:
    """Another tool's cdk.out has no synthesis record: a stack in its environment's data account
    is a data stack, in the app account an app stack."""
    prod = Assembly.load(innovate_synth.outdir / "prod", innovate)
    roles = {s.name: s.role for s in prod.stacks}
    assert roles["innovate-prod-data"] == "data"
    assert roles["innovate-prod-app"] == "app"


@pytest.mark.parametrize(
    "content", [b"{not json", b'{"Resources": "\xff\xfe"}'], ids=["json", "utf-8"]
)
def test_a_damaged_file_of_the_assembly_is_one_error_naming_it(
    innovate_synth: Synthesis, innovate: PgplatConfig, tmp_path: Path, content: bytes
) -> None:
    """A template that is not JSON, or not UTF-8, is a user error naming the file (not a
    traceback), saying to synthesize again."""
    copied = copied_synthesis(innovate_synth, tmp_path)
    template = copied.stacks["innovate-prod-data"].template_path
    template.write_bytes(content)
    with pytest.raises(UserError, match=rf"cannot read {template}: .*; synthesize again"):
        Assembly.load(copied.outdir, innovate)
