"""`pgplat guardrails --out DIR` end to end, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from pgplat.guardrails.validate import SCP_MAX_CHARS, document_problems, minified
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE, NORTHWIND

FILES = {
    "README.md",
    "scp-nonprod-deny-prod-data.json",
    "scp-prod-data-perimeter.json",
    "kms-prod-key-policy-statements.json",
}


def test_writes_valid_guardrails_and_a_readme(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "guardrails" / "innovate"
    result = run_cli("--config", str(INNOVATE), "guardrails", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == FILES
    for name in ("scp-nonprod-deny-prod-data.json", "scp-prod-data-perimeter.json"):
        document = json.loads((out / name).read_text())
        assert document_problems(document, "scp") == []
        assert (
            f"{out / name} ({len(minified(document))} of {SCP_MAX_CHARS} characters)"
            in result.stdout
        )
    readme = (out / "README.md").read_text()
    assert "aws organizations attach-policy" in readme
    assert "--target-id 333333333333" in readme
    assert "--target-id 111111111111" in readme
    assert "put-key-policy" in readme


def test_json_output_lists_files_and_sizes(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("-c", str(NORTHWIND), "-o", "json", "guardrails", "--out", str(tmp_path / "g"))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert sorted(Path(f).name for f in report["files"]) == sorted(FILES)
    assert all(0 < size <= SCP_MAX_CHARS for size in report["scp_sizes"].values())


def test_an_out_path_that_is_a_file_is_a_user_error(run_cli: RunCli, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("")
    result = run_cli("-c", str(INNOVATE), "-q", "guardrails", "--out", str(taken))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"error: --out {taken} is a file; name a directory for the guardrails"
    )


def test_a_missing_out_option_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("-c", str(INNOVATE), "guardrails")
    assert result.returncode == 2
    assert "--out" in result.stderr


def test_an_unwritable_out_directory_is_a_user_error(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "README.md").mkdir()  # a directory where a file must go
    result = run_cli("-c", str(INNOVATE), "-q", "guardrails", "--out", str(tmp_path / "ro"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot write the guardrails to {tmp_path / 'ro'}: ")
    assert "Traceback" not in result.stderr
