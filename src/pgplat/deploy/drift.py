"""CloudFormation drift detection over an environment's stacks: what changed by hand."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pgplat.errors import UserError

_DRIFTED = ["MODIFIED", "DELETED"]


@dataclass(frozen=True)
class ResourceDrift:
    logical_id: str
    resource_type: str
    status: str
    differences: tuple[str, ...]


@dataclass(frozen=True)
class StackDrift:
    stack: str
    account: str
    status: str  # IN_SYNC, DRIFTED, UNKNOWN (detection failed), NOT_DEPLOYED
    resources: tuple[ResourceDrift, ...] = field(default_factory=tuple)
    reason: str = ""


def detect_drift(
    cloudformation: Any,
    stack: str,
    account: str,
    timeout: float = 600,
    sleep: Callable[[float], None] = time.sleep,
) -> StackDrift:
    """Start drift detection on one stack, wait for it, and list drifted resources."""
    client_error = cloudformation.exceptions.ClientError
    try:
        detection = cloudformation.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
    except client_error as exc:
        if "does not exist" in str(exc):
            return StackDrift(stack, account, "NOT_DEPLOYED")
        raise UserError(f"drift detection of {stack} in {account} was refused: {exc}") from None
    waited = 0.0
    while True:
        status = cloudformation.describe_stack_drift_detection_status(
            StackDriftDetectionId=detection
        )
        if status["DetectionStatus"] != "DETECTION_IN_PROGRESS":
            break
        if waited >= timeout:
            return StackDrift(stack, account, "UNKNOWN", reason="detection timed out")
        sleep(5)
        waited += 5
    if status["DetectionStatus"] == "DETECTION_FAILED":
        return StackDrift(
            stack, account, "UNKNOWN", reason=status.get("DetectionStatusReason", "failed")
        )
    drifts = cloudformation.describe_stack_resource_drifts(
        StackName=stack, StackResourceDriftStatusFilters=_DRIFTED
    )["StackResourceDrifts"]
    resources = tuple(
        ResourceDrift(
            logical_id=d["LogicalResourceId"],
            resource_type=d["ResourceType"],
            status=d["StackResourceDriftStatus"],
            differences=tuple(
                f"{p['PropertyPath']}: expected {p.get('ExpectedValue')!s}, "
                f"actual {p.get('ActualValue')!s}"
                for p in d.get("PropertyDifferences", [])
            ),
        )
        for d in drifts
    )
    return StackDrift(stack, account, status["StackDriftStatus"], resources)
