"""A huge bad value is quoted abridged: one bad megabyte never becomes a megabyte-long line."""

from __future__ import annotations

import json

import pytest

from pgplat.config.errors import ConfigError
from pgplat.config.loader import parse_config
from tests.fixtures.examples import INNOVATE

TEXT = INNOVATE.read_text()
HUGE = "0o" + "9" * 5000


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("region: us-east-1", "region"),
        ("    instance_class: db.r6g.large", "environments.prod.instance_class"),
        ("      vpc_cidr: 10.20.0.0/16", "environments.prod.network.vpc_cidr"),
        ("    - name: web", "database.users[0].name"),
    ],
)
def test_a_validator_quoting_a_huge_value_quotes_it_abridged(line: str, field: str) -> None:
    key = line.split(":")[0]
    assert line in TEXT
    with pytest.raises(ConfigError) as raised:
        parse_config(TEXT.replace(line, f"{key}: {HUGE}", 1), "big.yaml")
    mine = [p for p in raised.value.problems if field in str(p)]
    assert mine, [str(p) for p in raised.value.problems]
    assert all(len(str(p)) < 400 for p in raised.value.problems)
    assert "…" in str(mine[0])


@pytest.mark.parametrize("key", ["\n", "a\nb", " ", "", "\t\r", "\x1b[31m"])
def test_a_key_with_a_line_break_or_nothing_printable_stays_on_one_line(key: str) -> None:
    """Found by the structural fuzz: an unknown key holding a line break split the error."""
    text = TEXT.replace("accounts:\n", f"accounts:\n  {json.dumps(key)}: 1\n", 1)
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "odd.yaml")
    lines = [str(p) for p in raised.value.problems]
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert any(f"accounts[{key!r}]" in line for line in lines), lines
