"""`pgplat check` on every shipped example: every layer runs from the CLI, nothing fails at
error level, every acknowledgement says why, and the SARIF and JUnit outputs are valid."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pgplat.policy.findings import CHECK_LAYERS
from tests.fixtures.policy import CheckRun

SARIF_SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-2.1.0-required.schema.json").read_text()
)


@pytest.fixture(params=["innovate", "northwind", "meridian"])
def run(request: pytest.FixtureRequest) -> CheckRun:
    result: CheckRun = request.getfixturevalue(f"{request.param}_check")
    return result


def test_passes_with_no_error_findings_in_any_layer(run: CheckRun) -> None:
    errors = [f for f in run.report["findings"] if f["severity"] == "error"]
    assert errors == []
    linted = [f for f in run.report["findings"] if f["layer"] == "cfn-lint"]
    assert linted == [], "cfn-lint finds nothing in any stack, at any level"
    assert run.exit_code == 0, run.stderr
    assert run.report["passed"] is True
    assert run.report["layers"] == list(CHECK_LAYERS)


def test_every_acknowledgement_is_justified(run: CheckRun) -> None:
    acknowledged = run.report["acknowledged"]
    assert {a["layer"] for a in acknowledged} == {"cdk-nag", "cfn-lint"}
    for entry in acknowledged:
        assert len(entry["reason"].split()) >= 8, entry


def test_sarif_is_valid_and_carries_every_finding(run: CheckRun) -> None:
    jsonschema.validate(run.sarif, SARIF_SCHEMA)
    (sarif_run,) = run.sarif["runs"]
    assert len(sarif_run["results"]) == len(run.report["findings"])
    rule_ids = {r["id"] for r in sarif_run["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in sarif_run["results"]} <= rule_ids
    assert len(sarif_run["properties"]["acknowledgements"]) == len(run.report["acknowledged"])
    for result in sarif_run["results"]:
        (location,) = result["locations"]
        assert location["physicalLocation"]["region"]["startLine"] > 1


def test_junit_has_a_passing_suite_per_layer(run: CheckRun) -> None:
    assert run.junit.tag == "testsuites"
    suites = {s.get("name"): s for s in run.junit.findall("testsuite")}
    assert list(suites) == list(CHECK_LAYERS)
    for suite in suites.values():
        assert suite.get("failures") == "0"
        assert int(suite.get("tests", "0")) >= 1
