"""AWS limits the configuration is checked against, dated, each with the page it comes from.

AWS changes these rarely and publishes them only as documentation (no library carries them),
so they are written here by hand; bump ``LIMITS_AS_OF`` after re-reading the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

LIMITS_AS_OF = date(2026, 11, 1)

STORAGE_SOURCE = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html"


@dataclass(frozen=True)
class VolumeLimits:
    """What RDS for PostgreSQL accepts for one EBS volume type."""

    min_gib: int
    max_gib: int
    min_iops: int
    max_iops: int
    max_iops_per_gib: float
    min_iops_per_gib: float = 0
    iops_from_gib: int = 0
    """Provisioned IOPS are only accepted from this size on (gp3: 400 GiB)."""


STORAGE: dict[str, VolumeLimits] = {
    # gp3: below 400 GiB RDS gives 3,000 IOPS and refuses provisioned ones; from 400 GiB on,
    # 12,000-64,000 IOPS, at most 500 per GiB.
    "gp3": VolumeLimits(20, 65536, 12000, 64000, 500, iops_from_gib=400),
    # io1: 1,000-256,000 IOPS, between 1 and 50 IOPS per GiB, from 100 GiB.
    "io1": VolumeLimits(100, 65536, 1000, 256000, 50, min_iops_per_gib=1),
    # io2 Block Express: 1,000-256,000 IOPS, up to 1,000 IOPS per GiB, from 100 GiB.
    "io2": VolumeLimits(100, 65536, 1000, 256000, 1000),
}

TAGS_SOURCE = "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html"
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
TAGS_PER_RESOURCE = 50
PGPLAT_TAGS = 2
"""Tags pgplat adds itself on top of ``tags``: ``environment``, and the restore drill's
security-group tag."""
TAG_CHARACTERS = r"^[\w\s.:/=+\-@]*$"
"""Letters, digits and spaces in any script, and ``_ . : / = + - @``."""

AURORA_REPLICAS_MAX = 15
AURORA_SOURCE = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Replication.html"
)
