"""Which property each CloudFormation resource type carries its tags in, from cfn-lint's data.

The mandatory-tags rule asks, per resource type, whether it can be tagged and in which
property. The CloudFormation registry schemas cfn-lint ships say so, but importing cfn-lint's
schema manager costs over a second (its package imports its whole API), so the rule reads
this dated extract, ``tagging.json``, instead: `pgplat check --layer rules` starts no
cfn-lint. ``make refresh-data`` (``python -m pgplat.config.refresh``) rewrites it. A type's
tag property is the same in every region (the refresh refuses otherwise), so the table is by
type; whether a type is offered in the region is cfn-lint's layer to say.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("tagging.json")


@cache
def _tag_properties() -> dict[str, str]:
    table: dict[str, str] = json.loads(DATA_FILE.read_text(encoding="utf-8"))["tag_properties"]
    return table


def tag_property(resource_type: str) -> str | None:
    """The property ``resource_type`` carries its tags in; None for a type that cannot be
    tagged (custom resources among them) or that no region offers."""
    return _tag_properties().get(resource_type)
