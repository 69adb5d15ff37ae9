"""The GitHub Actions example: the stages, their order, OIDC only, and a gated prod deploy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "ci" / "github-actions.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return data


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_pull_requests_validate_synth_check_then_diff(workflow: dict[Any, Any]) -> None:
    jobs = workflow["jobs"]
    assert jobs["synth"]["needs"] == "validate"
    assert jobs["check"]["needs"] == "synth"
    assert jobs["diff"]["needs"] == "check"
    assert "pull_request" in jobs["diff"]["if"]
    assert any("pgplat check" in r and "--sarif" in r for r in _runs(jobs["check"]))
    assert any(
        s.get("uses", "").startswith("github/codeql-action/upload-sarif")
        for s in jobs["check"]["steps"]
    )
    assert jobs["check"]["permissions"]["security-events"] == "write"


def test_main_deploys_dev_then_prod_with_approval(workflow: dict[Any, Any]) -> None:
    jobs = workflow["jobs"]
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the key `on` as True
    assert "refs/heads/main" in jobs["deploy-dev"]["if"]
    assert jobs["deploy-prod"]["needs"] == "deploy-dev"
    assert jobs["deploy-prod"]["environment"] == "production"
    assert _runs(jobs["deploy-dev"])[-1] == "pgplat deploy --env dev"
    assert _runs(jobs["deploy-prod"])[-1] == "pgplat deploy --env prod"


def test_aws_access_is_oidc_only(workflow: dict[Any, Any]) -> None:
    text = WORKFLOW.read_text()
    assert "AWS_SECRET_ACCESS_KEY" not in text
    assert "aws-access-key-id" not in text
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        uses_aws = any("configure-aws-credentials" in s.get("uses", "") for s in job["steps"])
        assert uses_aws == (job.get("permissions", {}).get("id-token") == "write"), name
        for step in job["steps"]:
            if "configure-aws-credentials" in step.get("uses", ""):
                assert step["with"]["role-to-assume"].startswith("${{ vars.")
