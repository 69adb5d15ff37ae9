"""The commented starter file `pgplat init` writes (shipped as package data)."""

from __future__ import annotations

from importlib.resources import files


def starter_text() -> str:
    return files("pgplat.config").joinpath("starter.yaml").read_text(encoding="utf-8")
