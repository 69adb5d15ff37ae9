"""Numbers are read as YAML 1.2 reads them, and hints repeat the user's own characters."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat.config.errors import ConfigError, dotted
from pgplat.config.loader import parse_config
from tests.fixtures.cli import run_main
from tests.fixtures.examples import INNOVATE

TEXT = INNOVATE.read_text()
FEW = settings(max_examples=20, deadline=None)
"""Each example parses the whole example file (~30 ms); 20 cover the shapes drawn."""
RETENTION = "      retention_days: 14\n"
PORT = "    port: 5432\n"


def _changed(old: str, new: str) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, 1)


def _error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "pgplat.yaml")
    return info.value


@FEW
@given(days=st.integers(7, 35), zeros=st.integers(0, 4))  # innovate's vault lock keeps 7+
def test_leading_zeros_are_decimal_as_in_yaml_1_2(days: int, zeros: int) -> None:
    """``014`` is fourteen (YAML 1.1 read it as octal twelve)."""
    config = parse_config(_changed(RETENTION, f"      retention_days: {'0' * zeros}{days}\n"))
    assert config.environments.prod.backup.retention_days == days


@FEW
@given(port=st.integers(1024, 65535), zeros=st.integers(1, 3))
def test_a_zero_padded_port_is_the_port_written(port: int, zeros: int) -> None:
    """``05432`` is port 5432, not octal 2842."""
    config = parse_config(_changed(PORT, f"    port: {'0' * zeros}{port}\n"))
    assert config.environments.local.port == port


def test_explicit_yaml_1_2_directive_is_accepted() -> None:
    config = parse_config("%YAML 1.2\n---\n" + _changed(RETENTION, "      retention_days: 014\n"))
    assert config.environments.prod.backup.retention_days == 14


@pytest.mark.parametrize("directive", ["%YAML 1.1", "%YAML 1.0", "%YAML 2.0", "%YAML   1.1 # old"])
def test_older_yaml_directives_are_refused(directive: str) -> None:
    error = _error(f"{directive}\n---\n" + _changed(RETENTION, "      retention_days: 014\n"))
    assert (error.line, error.path) == (1, ())
    assert error.message == (
        "pgplat reads YAML 1.2 (014 is fourteen, `no` is text); remove the %YAML directive"
    )


@FEW
@given(account=st.from_regex(r"\A0{1,4}[1-9][0-9]{7,10}\Z").filter(lambda a: len(a) == 12))
def test_an_unquoted_account_id_hint_keeps_its_leading_zeros(account: str) -> None:
    error = _error(_changed('data: "111111111111"', f"data: {account}"))
    assert (dotted(error.path), error.line) == ("accounts.data", 10)
    assert error.message == (
        f"expected text, got the number {account}; put it in quotes ('{account}')"
    )


@FEW
@given(
    major=st.sampled_from([14, 15, 16, 17]),
    minor=st.integers(1, 99),
    zeros=st.integers(0, 2),
)
def test_an_unquoted_engine_version_hint_is_the_text_written(
    major: int, minor: int, zeros: int
) -> None:
    """``14.10`` is the float 14.1 to YAML; the hint must say '14.10'."""
    written = f"{major}.{minor}{'0' * zeros}"
    error = _error(_changed('engine_version: "14.19"', f"engine_version: {written}"))
    assert (dotted(error.path), error.line) == ("database.engine_version", 17)
    assert error.message == (
        f"expected text, got the number {written}; put it in quotes ('{written}')"
    )


@pytest.mark.parametrize(
    ("written", "number"),
    [("true", False), ("2026-01-31", False), ("0x1F", True), ("1e3", True), ("+12", True)],
)
def test_text_fields_given_other_scalars_hint_with_the_text_written(
    written: str, number: bool
) -> None:
    error = _error(_changed("  owner: platform-team", f"  owner: {written}"))
    assert dotted(error.path) == "tags.owner"
    kind = "the number " if number else ""
    assert error.message == f"expected text, got {kind}{written}; put it in quotes ('{written}')"


def test_an_empty_text_field_says_it_is_missing_a_value() -> None:
    error = _error(_changed("  owner: platform-team", "  owner:"))
    assert dotted(error.path) == "tags.owner"
    assert "got ;" not in error.message
    assert "valid string" in error.message


def test_numeric_field_hint_shows_the_characters_written() -> None:
    error = _error(_changed(RETENTION, "      retention_days: 14.50\n"))
    assert dotted(error.path) == "environments.prod.backup.retention_days"
    assert error.message.endswith("(got 14.50)")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'data: "111111111111"',
            "data: 001227133513",
            ":10: accounts.data: expected text, got the number 001227133513; "
            "put it in quotes ('001227133513')",
        ),
        (
            'engine_version: "14.19"',
            "engine_version: 14.10",
            ":17: database.engine_version: expected text, got the number 14.10; "
            "put it in quotes ('14.10')",
        ),
        ("%YAML", "%YAML 1.1\n---", ":1: (top level): pgplat reads YAML 1.2"),
    ],
)
def test_pgplat_prints_the_written_text_and_exits_2(
    old: str, new: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "pgplat.yaml"
    file.write_text(new + "\n" + TEXT if old == "%YAML" else _changed(old, new), encoding="utf-8")
    code, stderr = run_main(capsys, "config", "validate", str(file))
    assert code == 2
    assert stderr.startswith(f"error: {file}{expected}")
    assert stderr.count("\n") == 1
