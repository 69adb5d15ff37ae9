"""Inputs that once ended in a traceback (or a minute of work) are refused on one line:
the file, its line, the field path and a fix, in well under a second."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pgplat.config.errors import ConfigError, dotted
from pgplat.config.loader import load_config, parse_config
from pgplat.config.source import MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_NODES
from tests.fixtures.cli import RunCli, run_main
from tests.fixtures.examples import INNOVATE

TEXT = INNOVATE.read_text()


def _changed(old: str, new: str) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, 1)


def _line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def _bomb(levels: int = 9, width: int = 9) -> str:
    """The 'billion laughs': each anchor is a list of ``width`` aliases of the previous one."""
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n" + TEXT


ZONE = "timezone: America/New_York"
RETENTION = "retention_days: 14\n"
# (case id, YAML text, expected field path, expected line, expected message fragment)
CASES: list[tuple[str, str, str, int, str]] = [
    (
        "time zone that is a zoneinfo folder",
        _changed(ZONE, "timezone: America"),
        "maintenance.business_hours.timezone",
        29,
        "'America' is not an IANA time zone; write e.g.",
    ),
    (
        "time zone of 300 characters",
        _changed(ZONE, "timezone: " + "Europe/" * 43),
        "maintenance.business_hours.timezone",
        29,
        "…' is not an IANA time zone",
    ),
    (
        "time zone with a path escape",
        _changed(ZONE, "timezone: ../../../../etc/passwd"),
        "maintenance.business_hours.timezone",
        29,
        "is not an IANA time zone",
    ),
    (
        "5,000 nested flow lists",
        _changed("  project: innovate\n", "  project: " + "[" * 5000 + "\n"),
        "(top level)",
        _line_of(TEXT, "  project: innovate"),
        f"nested deeper than {MAX_DEPTH} levels; flatten it",
    ),
    (
        "5,000 nested flow mappings",
        _changed("  project: innovate\n", "  project: " + "{a: " * 5000 + "\n"),
        "(top level)",
        _line_of(TEXT, "  project: innovate"),
        f"nested deeper than {MAX_DEPTH} levels",
    ),
    (
        "a 5,000-digit integer",
        _changed(RETENTION, "retention_days: " + "9" * 5000 + "\n"),
        "environments.prod.backup.retention_days",
        _line_of(TEXT, RETENTION),
        "a number of 5,000 characters is longer than any setting takes",
    ),
    (
        "a 5,000-digit float",
        _changed(RETENTION, "retention_days: 1." + "5" * 5000 + "\n"),
        "environments.prod.backup.retention_days",
        _line_of(TEXT, RETENTION),
        "a number of 5,002 characters",
    ),
    (
        "an anchor that contains its own alias",
        _changed("  project: innovate\n", "  project: &loop [*loop]\n"),
        "tags.project[0]",
        _line_of(TEXT, "  project: innovate"),
        "the alias *loop is used inside its own anchor &loop",
    ),
    (
        "a mapping merging itself",
        _changed("  project: innovate\n", "  project: &self {<<: *self}\n"),
        "tags.project",
        _line_of(TEXT, "  project: innovate"),
        "is used inside its own anchor &self",
    ),
    (
        "an explicit integer tag on text",
        _changed(RETENTION, "retention_days: !!int fourteen\n"),
        "environments.prod.backup.retention_days",
        _line_of(TEXT, RETENTION),
        "'fourteen' cannot be read as int; fix the value or its tag",
    ),
    (
        "an explicit bool tag on text",
        _changed("  project: innovate\n", "  project: !!bool maybe\n"),
        "tags.project",
        _line_of(TEXT, "  project: innovate"),
        "'maybe' cannot be read as bool",
    ),
    (
        "a date that does not exist",
        _changed("  project: innovate\n", "  project: 2026-13-45\n"),
        "tags.project",
        _line_of(TEXT, "  project: innovate"),
        "'2026-13-45' cannot be read as timestamp",
    ),
    (
        "a list as a key",
        _changed("  project: innovate\n", "  ? [project]\n  : innovate\n"),
        "tags",
        _line_of(TEXT, "  project: innovate"),
        "a key must be plain text, not a list or mapping",
    ),
    (
        "a YAML 1.1 directive",
        "%YAML 1.1\n---\n" + TEXT,
        "(top level)",
        1,
        "pgplat reads YAML 1.2 (014 is fourteen, `no` is text); remove the %YAML directive",
    ),
]


@pytest.mark.parametrize(("text", "field", "line", "fragment"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_refused_on_one_line_in_well_under_a_second(
    text: str, field: str, line: int, fragment: str
) -> None:
    started = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        parse_config(text, "pgplat.yaml")
    elapsed = time.perf_counter() - started
    error = info.value
    assert (dotted(error.path), error.line) == (field, line), str(error)
    assert fragment in error.message
    assert "\n" not in str(error)
    assert len(str(error)) < 300
    assert elapsed < 1.0


def test_alias_bomb_is_refused_at_the_expansion_limit() -> None:
    text = _bomb()  # 9**9 = 387 million strings once expanded
    started = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        parse_config(text, "pgplat.yaml")
    elapsed = time.perf_counter() - started
    assert f"more than {MAX_NODES:,} values (an alias bomb?)" in info.value.message
    assert dotted(info.value.path).startswith("a")
    assert elapsed < 1.0


def test_aliases_below_the_limit_are_expanded() -> None:
    """A few levels of aliases (9**3 values) are ordinary YAML: the file fails only on the
    unknown keys that hold them, not on the aliases."""
    with pytest.raises(ConfigError) as info:
        parse_config(_bomb(levels=3), "pgplat.yaml")
    assert info.value.message.startswith("unknown key")
    assert {dotted(e.path) for e in info.value.problems} == {"a0", "a1", "a2", "a3"}


def test_a_document_above_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    file = tmp_path / "pgplat.yaml"
    padding = "#" + "x" * 1023 + "\n"
    file.write_text(TEXT + padding * (MAX_DOCUMENT_BYTES // 1024), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(file)
    assert info.value.message == (
        "the file is larger than 1024 KiB; a pgplat configuration is a few KiB"
    )
    assert str(info.value).startswith(f"{file}: (top level): ")


def test_a_document_just_below_the_size_limit_is_read(tmp_path: Path) -> None:
    file = tmp_path / "pgplat.yaml"
    room = MAX_DOCUMENT_BYTES - len(TEXT.encode()) - 1
    file.write_text(TEXT + "#" + "x" * (room - 1) + "\n", encoding="utf-8")
    assert load_config(file).name == "innovate"


CLI_CASES = {
    "zoneinfo folder": (_changed(ZONE, "timezone: America"), "maintenance.business_hours.timezone"),
    "markup in a region": (_changed("region: us-east-1", 'region: "[/]"'), "region"),
    "nesting": (
        _changed("  project: innovate\n", "  project: " + "[" * 5000 + "\n"),
        "(top level)",
    ),
    "huge number": (_changed(RETENTION, "retention_days: " + "9" * 5000 + "\n"), "5,000 char"),
    "alias bomb": (_bomb(), "(an alias bomb?)"),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_pgplat_exits_2_with_one_error_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, fragment = CLI_CASES[case]
    file = tmp_path / "pgplat.yaml"
    file.write_text(text, encoding="utf-8")
    code, stderr = run_main(capsys, "-c", str(file), "config", "explain")
    assert code == 2, stderr
    assert stderr.startswith(f"error: {file}:")
    assert stderr.count("\n") == 1, stderr
    assert fragment in stderr


def test_console_entry_prints_no_traceback(run_cli: RunCli, tmp_path: Path) -> None:
    file = tmp_path / "pgplat.yaml"
    file.write_text(_bomb(), encoding="utf-8")
    done = run_cli("config", "validate", str(file), timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "(an alias bomb?)" in done.stderr


def test_a_large_file_cut_inside_a_character_is_still_too_large(tmp_path: Path) -> None:
    """The limit is checked on the bytes read, before decoding: a cut 'é' is no decode error."""
    file = tmp_path / "pgplat.yaml"
    file.write_text(TEXT + "# " + "x" + "é" * MAX_DOCUMENT_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(file)
    assert info.value.message.startswith("the file is larger than 1024 KiB")
