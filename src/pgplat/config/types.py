"""Constrained scalar types shared by the configuration models.

Each type validates one thing and says how to fix it, so a model field only has to name it.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field

from pgplat.config.errors import abridged
from pgplat.config.roles import master_username_reason, reserved_reason

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_PG_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_MASTER_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$")
_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _matching(pattern: re.Pattern[str], problem: str) -> Callable[[str], str]:
    """A validator accepting what ``pattern`` matches; ``problem`` names ``{value}`` (quoted)."""

    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(problem.format(value=repr(value)))
        return value

    return check


_account_id = _matching(
    _ACCOUNT_ID,
    "an AWS account id is exactly 12 digits, got {value}; "
    "quote it in YAML so leading zeros survive",
)
_organization_id = _matching(
    _ORG_ID, "an AWS Organizations id looks like 'o-a1b2c3d4e5', got {value}"
)


def _ec2_id(kind: str, what: str) -> Callable[[str], str]:
    """EC2 ids are ``<kind>-`` and 8 (older ids) or 17 hex digits, as AWS issues them and
    CloudFormation checks them (cfn-lint E1151/E1154)."""
    return _matching(
        re.compile(rf"^{kind}-([0-9a-f]{{8}}|[0-9a-f]{{17}})$"),
        f"{what} ids are '{kind}-' and 8 or 17 lowercase hex digits, got {{value}}; "
        "copy it from the AWS console or CLI",
    )


def _private_cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(
            f"{value!r} is not a network CIDR ({exc}); write it like '10.20.0.0/16'"
        ) from None
    if network.version != 4:
        raise ValueError(f"{value!r} is IPv6; VPC primary CIDRs here are IPv4")
    if not network.is_private:
        raise ValueError(
            f"{value!r} is not a private range; use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
        )
    if not 16 <= network.prefixlen <= 28:
        raise ValueError(f"{value!r}: a VPC CIDR must be between /16 and /28 (AWS limit)")
    return str(network)


def _pg_identifier(value: str) -> str:
    if not _PG_IDENTIFIER.match(value):
        raise ValueError(
            f"{value!r} is not a plain PostgreSQL name; use lower-case letters, digits and '_', "
            "starting with a letter, at most 63 characters"
        )
    reason = reserved_reason(value)
    if reason is not None:
        raise ValueError(reason)
    return value


def _master_username(value: str) -> str:
    if not _MASTER_USERNAME.match(value):
        raise ValueError(
            f"{value!r} is not a master user name RDS takes; use 1-63 letters, digits and '_', "
            "starting with a letter"
        )
    reason = master_username_reason(value)
    if reason is not None:
        raise ValueError(reason)
    return value


_kms_key_arn = _matching(
    _KMS_KEY_ARN,
    "{value} is not a KMS key ARN; expected "
    "'arn:aws:kms:<region>:<account>:key/<uuid>' (aliases are not accepted)",
)
_clock_time = _matching(_HH_MM, "{value} is not a time of day; write 24-hour 'HH:MM', like '08:30'")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _time_zone(value: str) -> str:
    """Looked up in the list of IANA zones, never opened as a file: ``America`` is a folder."""
    if value in _time_zones():
        return value
    close = difflib.get_close_matches(abridged(value), _time_zones(), n=1)
    example = close[0] if close else "America/New_York"
    raise ValueError(
        f"{abridged(value)!r} is not an IANA time zone; write e.g. {example!r} or 'UTC'"
    )


def parse_engine_version(version: str) -> tuple[int, int | None]:
    """``'17.6'`` -> ``(17, 6)``, ``'17'`` -> ``(17, None)``: the one parser of engine versions."""
    major, _, minor = version.partition(".")
    return int(major), int(minor) if minor else None


AccountId = Annotated[str, AfterValidator(_account_id)]
OrganizationId = Annotated[str, AfterValidator(_organization_id)]
VpcId = Annotated[str, AfterValidator(_ec2_id("vpc", "VPC"))]
SubnetId = Annotated[str, AfterValidator(_ec2_id("subnet", "subnet"))]
RouteTableId = Annotated[str, AfterValidator(_ec2_id("rtb", "route table"))]
TransitGatewayId = Annotated[str, AfterValidator(_ec2_id("tgw", "Transit Gateway"))]
PrivateCidr = Annotated[str, AfterValidator(_private_cidr)]
PgIdentifier = Annotated[str, AfterValidator(_pg_identifier)]
MasterUsername = Annotated[str, AfterValidator(_master_username)]
"""The master user of an RDS or Aurora database: what RDS's MasterUsername accepts."""
KmsKeyArn = Annotated[str, AfterValidator(_kms_key_arn)]
ClockTime = Annotated[str, AfterValidator(_clock_time)]
TimeZoneName = Annotated[str, AfterValidator(_time_zone)]
"""An IANA time zone such as 'Europe/Berlin'."""
Percent = Annotated[float, Field(gt=0, le=100)]
"""A share in percent, above 0 and at most 100: where an alarm or a scaling target sits."""
AuroraReplicas = Annotated[int, Field(ge=0, le=15)]
"""A number of Aurora replicas: a cluster holds at most 15 besides its writer."""
PromotionTier = Annotated[int, Field(ge=0, le=15)]
"""An Aurora instance's failover priority: tier 0 is promoted first, 15 last."""
DatabasePort = Annotated[int, Field(ge=1150, le=65535)]
"""The port RDS and Aurora PostgreSQL listen on: 1150-65535 (the CreateDBInstance limits)."""
RotationDays = Annotated[int, Field(ge=1, le=1000)]
"""Days between Secrets Manager rotations: 1-1000 (the RotationRules limit)."""
StorageGib = Annotated[int, Field(ge=20, le=65536)]
"""RDS storage in GiB: at least 20, at most 64 TiB."""
Acu = Annotated[float, Field(le=256, multiple_of=0.5)]
"""Aurora Serverless v2 capacity: steps of 0.5 Aurora capacity units, at most 256."""
K8sName = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
        description="A Kubernetes DNS-1123 label.",
    ),
]
EksClusterName = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$",
        description="An EKS cluster name: 1-100 letters, digits, '-' and '_', a letter or "
        "digit first (the CreateCluster limits).",
    ),
]
