"""Data-stack templates of every database shape, for tests that hold for all of them."""

from __future__ import annotations

from typing import Any

import pytest

from pgplat.infra.app import Synthesis

SHAPES = {
    "aurora": ("innovate_synth", "innovate-prod-data"),
    "rds-instance": ("northwind_synth", "northwind-prod-data"),
    "rds-cluster": ("multi_az_cluster_synth", "northwind-prod-data"),
    "serverless": ("serverless_synth", "innovate-prod-data"),
    "dev": ("innovate_synth", "innovate-dev-data"),
}


@pytest.fixture(params=sorted(SHAPES))
def data_template(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The data stack template of each shape (and of the dev environment)."""
    fixture, stack = SHAPES[request.param]
    synthesis: Synthesis = request.getfixturevalue(fixture)
    return synthesis.template(stack)
