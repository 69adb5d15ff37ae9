"""Small hand-written templates for rule tests: an in-memory assembly around resource dicts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly, Stack
from pgplat.policy.rules.base import Context

TODAY = date(2026, 11, 25)
KEY = {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True}}
KEY_ARN = {"Fn::GetAtt": ["Key", "Arn"]}


def stack(
    resources: dict[str, Any],
    name: str = "test-prod-data",
    environment: str = "prod",
    outputs: dict[str, Any] | None = None,
) -> Stack:
    template: dict[str, Any] = {"Resources": resources}
    if outputs:
        template["Outputs"] = outputs
    return Stack(
        name=name,
        template_path=Path(f"{name}.template.json"),
        template=template,
        account="111111111111",
        region="us-east-1",
        environment=environment,
    )


def context(config: PgplatConfig, *stacks: Stack) -> Context:
    assembly = Assembly(Path("cdk.out"), stacks)
    return Context(config, stacks[0].environment, stacks[0], assembly, TODAY)
