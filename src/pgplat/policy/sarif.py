"""The report as SARIF 2.1.0, the format code-scanning services (e.g. GitHub) ingest.

Each finding is a result located in its template file (at the line declaring its resource,
as cfn-lint's own template decoder, which keeps every node's position, finds it) and named
logically as ``<stack>/<logical id>``; waived findings carry an accepted external
suppression with the waiver's reason, and acknowledgements are listed in the run's properties.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_json

from pgplat import __version__
from pgplat.policy.findings import Finding, Severity
from pgplat.policy.report import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}
_LOCATED_SECTIONS = ("Resources", "Parameters", "Outputs")
"""Template sections whose entries findings name (by logical id), searched in this order."""


@dataclass(frozen=True)
class _Template:
    uri: str
    lines: Mapping[str, int]
    """Line of each resource's (parameter's, output's) declaration."""

    @classmethod
    def read(cls, path: Path) -> _Template:
        template = cfn_json.load(str(path))
        lines: dict[str, int] = {}
        for section in _LOCATED_SECTIONS:
            for key in template.get(section, {}):
                lines.setdefault(str(key), key.start_mark.line + 1)
        return cls(_uri(path), lines)


def to_sarif(report: Report) -> dict[str, Any]:
    everything = [*report.findings, *(w.finding for w in report.waived)]
    rules = {f.rule_id: f for f in everything}
    located = {f.stack for f in everything}
    templates = {
        stack: _Template.read(path) for stack, path in report.templates.items() if stack in located
    }
    results = [_result(f, templates) for f in report.ordered()]
    results.extend(
        {
            **_result(w.finding, templates),
            "suppressions": [
                {"kind": "external", "status": "accepted", "justification": w.waiver.reason}
            ],
        }
        for w in report.waived
    )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pgplat check",
                        "version": __version__,
                        "rules": [_rule(f) for _, f in sorted(rules.items())],
                    }
                },
                "results": results,
                "properties": {
                    "layers": list(report.layers),
                    "failOn": report.fail_on,
                    "acknowledgements": [
                        {
                            "ruleId": a.rule_id,
                            "layer": a.layer,
                            "reason": a.reason,
                            "stack": a.stack,
                            "logicalId": a.logical_id,
                        }
                        for a in report.acknowledged
                    ],
                },
            }
        ],
    }


def _rule(finding: Finding) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": finding.rule_id,
        "shortDescription": {"text": finding.title or finding.rule_id},
        "defaultConfiguration": {"level": _LEVEL[finding.severity]},
        "properties": {"layer": finding.layer},
    }
    if finding.fix:
        rule["help"] = {"text": finding.fix}
    return rule


def _result(finding: Finding, templates: Mapping[str, _Template]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
    }
    location: dict[str, Any] = {}
    template = templates.get(finding.stack or "")
    if template is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": template.uri}}
        line = template.lines.get(finding.logical_id or "")
        if line is not None:
            physical["region"] = {"startLine": line}
        location["physicalLocation"] = physical
    if finding.stack:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.place, "kind": "resource"}]
    if location:
        result["locations"] = [location]
    if finding.environment:
        result["properties"] = {"environment": finding.environment}
    return result


def _uri(path: Path) -> str:
    """Relative to the working directory (the repository, in CI) when below it."""
    resolved, here = path.resolve(), Path.cwd().resolve()
    return (
        resolved.relative_to(here).as_posix()
        if resolved.is_relative_to(here)
        else resolved.as_uri()
    )
