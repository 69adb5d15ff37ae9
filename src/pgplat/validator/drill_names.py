"""How drill resources are named and tagged, so they are recognisable and can be cleaned up.

Every temporary copy carries the drill tag; ``pgplat drill cleanup`` deletes only resources
that carry it, never anything else.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_rds.type_defs import TagTypeDef

DRILL_TAG = "pgplat:drill"
"""Tag on every temporary copy; its value is the drill id."""
SOURCE_TAG = "pgplat:drill-source"
STARTED_TAG = "pgplat:drill-started"
DRILL_SG_TAG = "pgplat:drill-security-group"
"""Tag on the drill-only security group; its value is the source identifier."""

DRILL_PREFIX = "drill-"
"""Every copy identifier starts with it; the drill role may change nothing else."""
RESTORE_TEST_PREFIX = "awsbackup-restore-test-"
"""AWS Backup names restore-test copies with this prefix; the validator may touch only them."""

_MAX_IDENTIFIER = 63
_STAMP = "%Y%m%d%H%M%S"


def drill_id(source: str, started: datetime) -> str:
    """A fresh, valid RDS identifier for a copy: ``drill-<stamp>-<random>-<source>``.

    The random part keeps two drills started in the same second apart; at most 61 characters
    leave room for the Aurora instance suffix.
    """
    stamp = started.astimezone(UTC).strftime(_STAMP)
    base = f"{DRILL_PREFIX}{stamp}-{secrets.token_hex(2)}-{source}"[: _MAX_IDENTIFIER - len("-1")]
    return re.sub(r"-+", "-", base).rstrip("-")


def instance_id(copy: str) -> str:
    """The Aurora instance inside a restored copy cluster."""
    return f"{copy}-1"


def drill_tags(
    drill: str, source: str, started: datetime, common: Mapping[str, str]
) -> list[TagTypeDef]:
    """The configuration's tags plus the drill markers, in the shape the RDS API takes."""
    tags = {
        **common,
        DRILL_TAG: drill,
        SOURCE_TAG: source,
        STARTED_TAG: started.astimezone(UTC).isoformat(timespec="seconds"),
    }
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def started_at(tags: Mapping[str, str]) -> datetime | None:
    """When a tagged drill resource was made, or None if it is not a drill resource."""
    if DRILL_TAG not in tags or STARTED_TAG not in tags:
        return None
    try:
        return datetime.fromisoformat(tags[STARTED_TAG])
    except ValueError:
        return None
