"""`pgplat guardrails --out DIR` end to end: once as a user's shell runs it, and the other
paths through the same console entry point in-process (each subprocess pays the CLI's
whole import time)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pgplat.commands.app import main
from pgplat.guardrails.validate import SCP_MAX_CHARS, document_problems, minified
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE, NORTHWIND

FILES = {
    "README.md",
    "scp-nonprod-deny-prod-data.json",
    "scp-prod-data-perimeter.json",
    "kms-prod-key-policy-statements.json",
}
BUNKER_POLICY = "bunker-vault-access-policy.json"
"""Written too for innovate, whose production copies its backups to a bunker."""


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the ``pgplat`` console script, run in-process."""
    monkeypatch.setattr(sys, "argv", ["pgplat", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_writes_valid_guardrails_and_a_readme(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "guardrails" / "innovate"
    result = run_cli("--config", str(INNOVATE), "guardrails", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == FILES | {BUNKER_POLICY}
    for name in ("scp-nonprod-deny-prod-data.json", "scp-prod-data-perimeter.json"):
        document = json.loads((out / name).read_text())
        assert document_problems(document, "scp") == []
        size = len(minified(document))
        assert f"{out / name} ({size} of {SCP_MAX_CHARS} characters)" in result.stdout
    readme = (out / "README.md").read_text()
    assert "aws organizations attach-policy" in readme
    assert "--target-id 333333333333" in readme
    assert "--target-id 111111111111" in readme
    assert "put-key-policy" in readme


def test_json_output_lists_files_and_sizes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run_main(
        monkeypatch,
        capsys,
        "-c",
        str(NORTHWIND),
        "-o",
        "json",
        "guardrails",
        "--out",
        str(tmp_path),
    )
    assert code == 0
    report = json.loads(out)
    assert sorted(Path(f).name for f in report["files"]) == sorted(FILES)
    assert all(0 < size <= SCP_MAX_CHARS for size in report["scp_sizes"].values())


def test_an_out_path_that_is_a_file_is_a_user_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("")
    code, _, err = run_main(
        monkeypatch, capsys, "-c", str(INNOVATE), "-q", "guardrails", "--out", str(taken)
    )
    assert code == 2
    assert err.strip() == f"error: --out {taken} is a file; name a directory for the guardrails"


def test_an_unwritable_out_directory_is_a_user_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "README.md").mkdir()  # a directory where a file must go
    code, _, err = run_main(
        monkeypatch, capsys, "-c", str(INNOVATE), "-q", "guardrails", "--out", str(tmp_path)
    )
    assert code == 2
    assert err.startswith(f"error: cannot write the guardrails to {tmp_path}: ")
    assert len(err.strip().splitlines()) == 1


def test_a_missing_out_option_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(monkeypatch, capsys, "-c", str(INNOVATE), "guardrails")
    assert code == 2
    assert "--out" in err
