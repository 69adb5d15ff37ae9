"""Shared test set-up: every module in tests/fixtures/ is a plugin of session-wide fixtures
(one synthesis per example, one PostgreSQL server) that any test directory can use."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = sorted(
    f"tests.fixtures.{p.stem}"
    for p in (Path(__file__).parent / "fixtures").glob("*.py")
    if p.stem != "__init__"
)
