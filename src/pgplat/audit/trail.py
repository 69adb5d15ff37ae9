"""`pgplat audit trail`: the AssumeRole calls into the database roles, from CloudTrail.

Every workload reaches the database by assuming its data-account role with a session name
that is its workload identity, so each CloudTrail ``AssumeRole`` event says which pod's role
asked, for which database user, from where.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RoleAssumption:
    at: datetime
    role_arn: str
    session_name: str
    caller: str
    source_ip: str
    event_id: str


def assumptions(events: Iterable[dict[str, Any]], role_arns: set[str]) -> list[RoleAssumption]:
    """The AssumeRole events (lookup_events records) into ``role_arns``, oldest first."""
    found = []
    for event in events:
        detail = json.loads(event["CloudTrailEvent"])
        params = detail.get("requestParameters") or {}
        if params.get("roleArn") not in role_arns:
            continue
        identity = detail.get("userIdentity") or {}
        found.append(
            RoleAssumption(
                at=event["EventTime"],
                role_arn=params["roleArn"],
                session_name=params.get("roleSessionName", ""),
                caller=identity.get("arn") or identity.get("principalId", "unknown"),
                source_ip=detail.get("sourceIPAddress", ""),
                event_id=event["EventId"],
            )
        )
    return sorted(found, key=lambda a: a.at)


def lookup_assume_role_events(
    cloudtrail: Any, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Every AssumeRole management event in the window (one lookup attribute per call)."""
    pages = cloudtrail.get_paginator("lookup_events").paginate(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}],
        StartTime=start,
        EndTime=end,
    )
    return [event for page in pages for event in page["Events"]]
