"""Config load + validation of the examples, against parsing the same YAML alone."""

from __future__ import annotations

from pathlib import Path

import yaml

from pgplat.config import load_config

from common import Row, median_seconds

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


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
    return result
