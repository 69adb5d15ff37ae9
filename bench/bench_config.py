"""Config load + validation of the examples, against parsing the same YAML alone; and how fast
a billion-laughs alias bomb is refused, against validating the innovate example."""

from __future__ import annotations

from pathlib import Path

import yaml

from pgplat.config.errors import ConfigError
from pgplat.config.loader import load_config, parse_config

from common import Row, median_seconds

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))
INNOVATE = next(e for e in EXAMPLES if e.name == "innovate-inc.yaml")
BILLION_LAUGHS = 'lol0: &l0 "lol"\n' + "".join(
    f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n" for n in range(1, 10)
)
"""Ten aliases of the previous anchor, nine levels deep: 10**9 strings once expanded."""


def _refuse_bomb() -> None:
    try:
        parse_config(BILLION_LAUGHS, "bomb.yaml")
    except ConfigError:
        return
    raise AssertionError("the alias bomb was accepted")


def rows() -> list[Row]:
    result = []
    for example in EXAMPLES:
        text = example.read_text()
        ours = median_seconds(lambda path=example: load_config(path), repeat=21)
        raw = median_seconds(lambda data=text: yaml.safe_load(data), repeat=21)
        result.append(
            Row(
                f"config load: {example.name}",
                "pgplat load_config",
                ours * 1000,
                "yaml.safe_load alone",
                raw * 1000,
                "ms",
            )
        )
    bomb = median_seconds(_refuse_bomb, repeat=21)
    innovate = median_seconds(lambda: load_config(INNOVATE), repeat=21)
    result.append(
        Row(
            "alias bomb (10**9 values) refused",
            "pgplat parse_config",
            bomb * 1000,
            "load_config innovate-inc",
            innovate * 1000,
            "ms",
            "< 1000 ms",
        )
    )
    return result
