"""The synthesis API: stacks per environment and account role, manifest, and reuse."""

from __future__ import annotations

from pgplat.infra.app import MANIFEST, Synthesis


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


def test_northwind_has_no_dev_stack(northwind_synth: Synthesis) -> None:
    assert northwind_synth.stacks_of("dev") == []
    assert [s.name for s in northwind_synth.stacks_of("prod", "data")] == ["northwind-prod-data"]
