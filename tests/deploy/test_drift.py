"""Drift detection. moto has no CloudFormation drift API, so the AWS responses are recorded
shapes served by botocore's Stubber, which also checks every request against the API model."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber

from pgplat.deploy.drift import detect_drift
from pgplat.errors import UserError

STACK = "innovate-prod-data"


@pytest.fixture
def cfn() -> Iterator[tuple[object, Stubber]]:
    client = boto3.client(
        "cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _started(stubber: Stubber) -> None:
    stubber.add_response(
        "detect_stack_drift", {"StackDriftDetectionId": "d-1"}, {"StackName": STACK}
    )


def _status(stubber: Stubber, detection: str, drift: str = "DRIFTED", reason: str = "") -> None:
    response = {
        "StackId": "arn:aws:cloudformation:us-east-1:111111111111:stack/x/1",
        "StackDriftDetectionId": "d-1",
        "DetectionStatus": detection,
        "Timestamp": "2026-11-25T12:00:00Z",
    }
    if detection == "DETECTION_COMPLETE":
        response["StackDriftStatus"] = drift
    if reason:
        response["DetectionStatusReason"] = reason
    stubber.add_response(
        "describe_stack_drift_detection_status", response, {"StackDriftDetectionId": "d-1"}
    )


def test_drifted_resources_are_listed_with_their_differences(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    _started(stubber)
    _status(stubber, "DETECTION_IN_PROGRESS")
    _status(stubber, "DETECTION_COMPLETE")
    stubber.add_response(
        "describe_stack_resource_drifts",
        {
            "StackResourceDrifts": [
                {
                    "StackId": "s",
                    "LogicalResourceId": "DatabaseSecurityGroup",
                    "ResourceType": "AWS::EC2::SecurityGroup",
                    "StackResourceDriftStatus": "MODIFIED",
                    "Timestamp": "2026-11-25T12:00:00Z",
                    "PropertyDifferences": [
                        {
                            "PropertyPath": "/SecurityGroupIngress/1",
                            "ExpectedValue": "null",
                            "ActualValue": "0.0.0.0/0",
                            "DifferenceType": "ADD",
                        }
                    ],
                }
            ]
        },
        {"StackName": STACK, "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"]},
    )
    slept: list[float] = []
    result = detect_drift(client, STACK, "111111111111", sleep=slept.append)
    assert result.status == "DRIFTED"
    assert slept == [5]
    (resource,) = result.resources
    assert resource.logical_id == "DatabaseSecurityGroup"
    assert resource.differences == ("/SecurityGroupIngress/1: expected null, actual 0.0.0.0/0",)


def test_in_sync_stack(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    _started(stubber)
    _status(stubber, "DETECTION_COMPLETE", drift="IN_SYNC")
    stubber.add_response("describe_stack_resource_drifts", {"StackResourceDrifts": []})
    assert detect_drift(client, STACK, "111111111111").status == "IN_SYNC"


def test_failed_detection_is_unknown_with_reason(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    _started(stubber)
    _status(stubber, "DETECTION_FAILED", reason="resource not supported")
    result = detect_drift(client, STACK, "111111111111")
    assert (result.status, result.reason) == ("UNKNOWN", "resource not supported")


def test_detection_that_never_ends_times_out(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    _started(stubber)
    for _ in range(3):
        _status(stubber, "DETECTION_IN_PROGRESS")
    result = detect_drift(client, STACK, "111111111111", timeout=10, sleep=lambda _s: None)
    assert (result.status, result.reason) == ("UNKNOWN", "detection timed out")


def test_stack_not_deployed_yet(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_client_error(
        "detect_stack_drift", "ValidationError", f"Stack with id {STACK} does not exist"
    )
    assert detect_drift(client, STACK, "111111111111").status == "NOT_DEPLOYED"


def test_access_denied_is_a_user_error(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_client_error("detect_stack_drift", "AccessDenied", "not authorized")
    with pytest.raises(UserError, match="was refused"):
        detect_drift(client, STACK, "111111111111")
