"""No Lambda permission lets anyone, or an account outside the configuration, invoke a
function unless SourceAccount, SourceArn or PrincipalOrgID narrows the caller to the
organisation. A permission is a one-statement resource policy, read as one."""

from __future__ import annotations

from pgplat.policy.assembly import Resource
from pgplat.policy.rules._resource_policy import policy_exposure
from pgplat.policy.rules.base import Context, Verdict

_CONDITIONS = {
    "SourceAccount": "aws:SourceAccount",
    "SourceArn": "aws:SourceArn",
    "PrincipalOrgID": "aws:PrincipalOrgID",
}


def lambda_permissions_closed_to_outsiders(resource: Resource, context: Context) -> Verdict:
    props = resource.properties
    narrowing = {key: props[prop] for prop, key in _CONDITIONS.items() if prop in props}
    statement = {
        "Effect": "Allow",
        "Principal": props.get("Principal"),
        "Action": props.get("Action"),
        "Condition": {"ArnLike": narrowing},
    }
    return policy_exposure({"Statement": [statement]}, context, "Permission")
