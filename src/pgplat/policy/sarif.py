"""The report as SARIF 2.1.0, the format code-scanning services (e.g. GitHub) ingest.

Each result points at a file a reviewer can open, relative to the repository (the folder
holding ``.git`` above the configuration; without one, the configuration's folder): a
finding about the configuration itself (a waiver) at its line in the configuration file; a
finding about a resource at the line declaring it in its template (as cfn-lint's own template
decoder, which keeps every node's position, finds it), named ``<stack>/<logical id>`` in the
message, with the configuration of its environment as a related location. Waived findings
carry an accepted external suppression with the waiver's reason; acknowledgements are listed
in the run's properties.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pgplat import __version__
from pgplat.config.errors import dotted
from pgplat.policy.findings import Finding, Severity
from pgplat.policy.report import Report

if TYPE_CHECKING:
    from pgplat.config.source import Source

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
BASE_ID = "%SRCROOT%"
"""The base of every relative ``uri``: the repository, as code-scanning uploads expect."""
_LEVEL: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}
_LOCATED_SECTIONS = ("Resources", "Parameters", "Outputs")
"""Template sections whose entries findings name (by logical id), searched in this order."""


@dataclass(frozen=True)
class _Template:
    path: Path
    lines: Mapping[str, int]
    """Line of each resource's (parameter's, output's) declaration."""

    @classmethod
    def read(cls, path: Path) -> _Template:
        from cfnlint.decode import cfn_json  # seconds to import: only when SARIF is written

        template = cfn_json.load(str(path))
        lines: dict[str, int] = {}
        for section in _LOCATED_SECTIONS:
            for key in template.get(section, {}):
                lines.setdefault(str(key), key.start_mark.line + 1)
        return cls(path, lines)


@dataclass(frozen=True)
class _Places:
    """Where results point: the repository, the templates and the configuration file."""

    root: Path
    templates: Mapping[str, _Template]
    config_file: Path | None
    config: Source | None

    def artifact(self, path: Path) -> dict[str, Any]:
        """``path`` relative to the repository, or as an absolute URI when outside it."""
        resolved = path.resolve()
        if resolved.is_relative_to(self.root):
            return {"uri": resolved.relative_to(self.root).as_posix(), "uriBaseId": BASE_ID}
        return {"uri": resolved.as_uri()}

    def physical(self, path: Path, line: int | None) -> dict[str, Any]:
        located: dict[str, Any] = {"artifactLocation": self.artifact(path)}
        if line is not None:
            located["region"] = {"startLine": line}
        return located

    def config_line(self, field: tuple[str | int, ...]) -> dict[str, Any] | None:
        """The physical location of a configuration field (or its nearest written parent)."""
        if self.config_file is None or self.config is None:
            return None
        return self.physical(self.config_file, self.config.line(field))

    def template_line(self, finding: Finding) -> dict[str, Any] | None:
        template = self.templates.get(finding.stack or "")
        if template is None:
            return None
        return self.physical(template.path, template.lines.get(finding.logical_id or ""))


def _repository_of(path: Path) -> Path:
    """The folder holding ``.git`` at or above ``path``'s folder; ``path``'s folder if none."""
    start = path.resolve().parent
    return next((p for p in (start, *start.parents) if (p / ".git").exists()), start)


def to_sarif(report: Report, config_file: Path | None = None) -> dict[str, Any]:
    """``report`` as one SARIF run; ``config_file`` (the checked configuration) locates
    findings about the configuration and gives each environment's related location."""
    from pgplat.config.source import read_source  # ruamel.yaml: only when a report is written

    everything = [*report.findings, *(w.finding for w in report.waived)]
    rules = {f.rule_id: f for f in everything}
    located = {f.stack for f in everything}
    places = _Places(
        root=_repository_of(config_file or Path.cwd() / "pgplat.yaml"),
        templates={
            stack: _Template.read(path)
            for stack, path in report.templates.items()
            if stack in located
        },
        config_file=config_file,
        config=read_source(config_file.read_text(), str(config_file)) if config_file else None,
    )
    results = [_result(f, places) for f in report.ordered()]
    results.extend(
        {
            **_result(w.finding, places),
            "suppressions": [{"kind": "external", "status": "accepted", "justification": w.reason}],
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
                "originalUriBaseIds": {BASE_ID: {"uri": places.root.as_uri() + "/"}},
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


def _result(finding: Finding, places: _Places) -> dict[str, Any]:
    place = finding.place or (dotted(finding.config_path) if finding.config_path else "")
    text = f"{finding.message} ({place})" if place and place not in finding.message else None
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": _LEVEL[finding.severity],
        "message": {"text": text or finding.message},
    }
    location: dict[str, Any] = {}
    physical = (
        places.config_line(finding.config_path)
        if finding.config_path
        else places.template_line(finding)
    )
    if physical is not None:
        location["physicalLocation"] = physical
    if finding.stack:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.place, "kind": "resource"}]
    if location:
        result["locations"] = [location]
    if finding.environment:
        result["properties"] = {"environment": finding.environment}
        related = places.config_line(("environments", finding.environment))
        if related is not None and not finding.config_path:
            text = f"environments.{finding.environment} in the configuration"
            result["relatedLocations"] = [
                {"id": 1, "physicalLocation": related, "message": {"text": text}}
            ]
    return result
