"""Engine versions and instance classes RDS and Aurora PostgreSQL offer, from cfn-lint's data.

cfn-lint (a dependency: synthesis lints every template with it) ships the RDS engine versions
and the instance classes per region, refreshed from the AWS API. Validation reads a dated
extract of that data, ``engines.json``, so a version validate accepts is one synth's cfn-lint
accepts, and loading a configuration does not parse cfn-lint's 9 MB of schemas.
``make refresh-data`` (``python -m pgplat.config.refresh``) rewrites the extract.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pgplat.config.calendar import Flavor
from pgplat.config.types import parse_engine_version

DATA_FILE = Path(__file__).with_name("engines.json")
ENGINES: dict[Flavor, str] = {"aurora": "aurora-postgresql", "rds": "postgres"}
"""The RDS ``Engine`` name of each flavor."""


@cache
def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return loaded


def data_as_of() -> str:
    """When the extract was taken, and from which cfn-lint: said next to every refusal."""
    data = _data()
    return f"cfn-lint {data['cfn_lint']} data of {data['as_of']}"


def supported_versions(flavor: Flavor) -> list[str]:
    """Every 'MAJOR.MINOR' the flavor accepts for new databases, oldest first."""
    versions: list[str] = _data()["versions"][ENGINES[flavor]]
    return versions


def nearest_version(flavor: Flavor, version: str) -> str | None:
    """The supported version closest to ``version``: same major first, newer before older."""
    major, minor = parse_engine_version(version)
    same = [v for v in supported_versions(flavor) if parse_engine_version(v)[0] == major]
    if not same:
        return None
    wanted = minor or 0
    return min(same, key=lambda v: (abs((parse_engine_version(v)[1] or 0) - wanted), -len(v), v))


def version_problem(flavor: Flavor, version: str) -> str | None:
    """Why RDS/Aurora refuses ``version`` for ``flavor`` with the fix, or None when it is offered.

    A bare major ('17') lets RDS pick the default minor: it is fine while the major has one.
    """
    major, minor = parse_engine_version(version)
    offered = supported_versions(flavor)
    label = "Aurora PostgreSQL" if flavor == "aurora" else "RDS for PostgreSQL"
    if minor is None and any(parse_engine_version(v)[0] == major for v in offered):
        return None
    if version in offered:
        return None
    nearest = nearest_version(flavor, version)
    fix = f"use {nearest}" if nearest else "use a supported major"
    return f"{label} does not offer {version} (deprecated or unknown; {data_as_of()}); {fix}"


def instance_classes(flavor: Flavor, region: str, *, cluster: bool = False) -> list[str] | None:
    """Instance classes the flavor offers in ``region`` (``cluster``: for an RDS Multi-AZ DB
    cluster); None for a region the data lacks."""
    key = "multi_az_cluster_classes" if cluster else "instance_classes"
    classes: dict[str, list[str]] = _data()[key][ENGINES[flavor]]
    return classes.get(region)
