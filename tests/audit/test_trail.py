"""`pgplat audit trail`: AssumeRole events into the database roles. moto's CloudTrail has no
LookupEvents, so recorded event shapes are served by botocore's Stubber (which validates them
against the API model)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
from botocore.stub import Stubber

from pgplat.audit.trail import assumptions, lookup_assume_role_events
from pgplat.config.model import PgplatConfig
from pgplat.infra.access_names import AccessNames

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _event(event_id: str, role_arn: str, session: str, at: datetime) -> dict[str, object]:
    detail = {
        "eventName": "AssumeRole",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": "arn:aws:sts::222222222222:assumed-role/pgplat-innovate-prod-app-web/eks-web",
        },
        "sourceIPAddress": "10.10.4.20",
        "requestParameters": {"roleArn": role_arn, "roleSessionName": session},
    }
    return {
        "EventId": event_id,
        "EventName": "AssumeRole",
        "EventTime": at,
        "CloudTrailEvent": json.dumps(detail),
    }


def test_assume_role_events_into_database_roles(innovate: PgplatConfig) -> None:
    names = AccessNames(innovate, "prod")
    roles = {names.data_role_arn(u) for u in innovate.database.users}
    web_role = names.data_role_arn(innovate.database.users[0])
    cloudtrail = boto3.client(
        "cloudtrail", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    events = [
        _event("e2", web_role, "web.web-api", T0 + timedelta(minutes=5)),
        _event("e1", web_role, "web.web-api", T0),
        _event("e3", "arn:aws:iam::111111111111:role/unrelated", "ops", T0),
    ]
    with Stubber(cloudtrail) as stubber:
        stubber.add_response(
            "lookup_events",
            {"Events": events[:2], "NextToken": "page-2"},
            {
                "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}],
                "StartTime": T0 - timedelta(hours=1),
                "EndTime": T0 + timedelta(hours=1),
            },
        )
        stubber.add_response("lookup_events", {"Events": events[2:]})
        fetched = lookup_assume_role_events(
            cloudtrail, T0 - timedelta(hours=1), T0 + timedelta(hours=1)
        )
    found = assumptions(fetched, roles)
    assert [a.event_id for a in found] == ["e1", "e2"]
    assert found[0].session_name == "web.web-api"
    assert found[0].role_arn == "arn:aws:iam::111111111111:role/pgplat-innovate-prod-db-web"
    assert found[0].caller.endswith("pgplat-innovate-prod-app-web/eks-web")
