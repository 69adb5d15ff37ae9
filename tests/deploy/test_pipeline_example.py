"""The GitHub Actions example: the stages, their order, OIDC only, a gated prod deploy of the
assembly the gate checked (actionlint checks the rest in `make test`)."""

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


def _uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def test_pull_requests_validate_then_gate_then_diff(workflow: dict[Any, Any]) -> None:
    jobs = workflow["jobs"]
    assert jobs["gate"]["needs"] == "validate"
    assert jobs["diff"]["needs"] == "gate"
    assert "pull_request" in jobs["diff"]["if"]
    gate = _runs(jobs["gate"])
    assert gate[-2] == "pgplat synth --cdk-out cdk.out"
    assert gate[-1].startswith("pgplat check --cdk-out cdk.out --no-synth")
    assert "--sarif pgplat.sarif" in gate[-1]
    assert "--junit pgplat-junit.xml" in gate[-1]
    (sarif,) = _uses(jobs["gate"], "github/codeql-action/upload-sarif")
    assert sarif["with"]["sarif_file"] == "pgplat.sarif"
    assert sarif["if"] == "always()"
    assert jobs["gate"]["permissions"]["security-events"] == "write"


def test_the_junit_report_and_the_checked_assembly_are_artifacts(
    workflow: dict[Any, Any],
) -> None:
    uploads = {
        s["with"]["name"]: s for s in _uses(workflow["jobs"]["gate"], "actions/upload-artifact")
    }
    assert uploads["pgplat-junit"]["with"]["path"] == "pgplat-junit.xml"
    assert uploads["pgplat-junit"]["if"] == "always()"
    assert uploads["cdk-out"]["with"]["path"] == "cdk.out"


@pytest.mark.parametrize(
    ("job", "env"), [("diff", "prod"), ("deploy-dev", "dev"), ("deploy-prod", "prod")]
)
def test_diff_and_deploys_use_the_checked_assembly(
    workflow: dict[Any, Any], job: str, env: str
) -> None:
    steps = workflow["jobs"][job]
    (download,) = _uses(steps, "actions/download-artifact")
    assert download["with"]["name"] == "cdk-out"
    folder = download["with"]["path"]
    command = "diff" if job == "diff" else "deploy"
    # --no-synth: the very assembly the gate checked, never a second synthesis
    assert _runs(steps)[-1] == f"pgplat {command} --env {env} --cdk-out {folder} --no-synth"
    assert not any("pgplat synth" in r for r in _runs(steps))


def test_main_deploys_dev_then_prod_with_approval(workflow: dict[Any, Any]) -> None:
    jobs = workflow["jobs"]
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the key `on` as True
    assert "refs/heads/main" in jobs["deploy-dev"]["if"]
    assert jobs["deploy-dev"]["needs"] == "gate"
    assert jobs["deploy-prod"]["needs"] == "deploy-dev"
    assert jobs["deploy-prod"]["environment"] == "production"


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
