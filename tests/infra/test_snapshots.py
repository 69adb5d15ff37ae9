"""Snapshots of the synthesized templates, so a reviewer sees every change in a diff.

Refresh after an intended change with ``PGPLAT_UPDATE_SNAPSHOTS=1 pytest tests/infra``.
Asset hashes (content hashes of bundled Lambda code) are replaced by a placeholder so the
snapshots only change when the templates do.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

SNAPSHOTS = Path(__file__).parent / "snapshots"
_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
UPDATE = os.environ.get("PGPLAT_UPDATE_SNAPSHOTS") == "1"


def normalised(template: dict[str, Any]) -> str:
    text = json.dumps(template, indent=1, sort_keys=True)
    return _ASSET_HASH.sub("<asset-hash>", text) + "\n"


@pytest.mark.parametrize("fixture", ["innovate_synth", "northwind_synth", "meridian_synth"])
def test_templates_match_snapshots(fixture: str, request: pytest.FixtureRequest) -> None:
    synthesis = request.getfixturevalue(fixture)
    changed = []
    for name, template in sorted(synthesis.templates.items()):
        path = SNAPSHOTS / f"{name}.json"
        current = normalised(template)
        if UPDATE:
            SNAPSHOTS.mkdir(exist_ok=True)
            path.write_text(current)
        elif not path.is_file() or path.read_text() != current:
            changed.append(name)
    assert not changed, (
        f"templates changed: {', '.join(changed)}; review the diff and refresh with "
        "PGPLAT_UPDATE_SNAPSHOTS=1 pytest tests/infra/test_snapshots.py"
    )
