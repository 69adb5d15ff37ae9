"""The half of the cdk-nag layer that runs in a child interpreter (``python -m
pgplat.policy.cdknag_child RESULT``): it reads the request of :func:`pgplat.policy.cdknag.
check_templates` on stdin, includes each template into a fresh CDK app, acknowledges what is
accepted, synthesizes with the chosen packs and writes the result as JSON to ``RESULT``.

Only this process starts jsii: the CDK is imported here and nowhere else in the checks.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import cdk_nag
from aws_cdk import cloudformation_include

from pgplat.policy.acknowledgements import ACKNOWLEDGEMENTS, Site
from pgplat.policy.cdknag import (
    PACKS,
    Applied,
    NagResult,
    TemplateToCheck,
    Unreadable,
    Violation,
    plugin_id,
)

_INCLUDED = "Template"
_PATH = re.compile(rf"^/?(?P<stack>[^/]+)/{_INCLUDED}/(?P<logical_id>[^/]+)")


def _check_in_process(templates: Iterable[TemplateToCheck], packs: list[str]) -> NagResult:
    with tempfile.TemporaryDirectory(prefix="pgplat-nag-") as outdir:
        app = cdk.App(outdir=outdir, analytics_reporting=False)
        applied: list[Applied] = []
        unreadable: list[Unreadable] = []
        for template in templates:
            try:
                applied.extend(_include(app, template))
            except RuntimeError as exc:
                app.node.try_remove_child(template.stack)
                unreadable.append(Unreadable(template.stack, str(exc).splitlines()[0]))
        plugins = [getattr(cdk_nag, PACKS[name])(app) for name in packs]
        cdk.Validations.of(app).add_plugins(*plugins)
        try:
            app.synth()
        except RuntimeError as exc:
            if "ValidationFailed" not in str(exc):
                raise
        report = Path(outdir) / "validation-report.json"
        ours = {plugin.name for plugin in plugins}
        violations = _violations(json.loads(report.read_text()), ours) if report.exists() else []
    return NagResult(tuple(violations), tuple(applied), tuple(unreadable))


def _include(app: cdk.App, template: TemplateToCheck) -> list[Applied]:
    stack = cdk.Stack(app, template.stack, synthesizer=cdk.BootstraplessSynthesizer())
    included = cloudformation_include.CfnInclude(
        stack, _INCLUDED, template_file=str(template.template_path)
    )
    body: dict[str, Any] = json.loads(template.template_path.read_text())
    applied: list[Applied] = []
    for logical_id, definition in body.get("Resources", {}).items():
        reasons = dict(template.acknowledged.get(logical_id, {}))
        site = Site(template.paths.get(logical_id, ""), template.region, template.account)
        for ack in ACKNOWLEDGEMENTS:
            for rule in ack.rules_for(definition, template.environment, site):
                reasons.setdefault(plugin_id(rule), ack.reason)
        if not reasons:
            continue
        resource = included.get_resource(logical_id)
        cdk.Validations.of(resource).acknowledge(
            *(cdk.Acknowledgment(id=rule, reason=reason) for rule, reason in reasons.items())
        )
        applied.extend(
            Applied(_rule_of(rule), reason, template.stack, logical_id)
            for rule, reason in reasons.items()
        )
    return applied


def _rule_of(acknowledged_id: str) -> str:
    """The rule of a cdk-nag acknowledgement id; other plugins' ids (e.g. CDK's own template
    validation, acknowledged by a construct) stay whole, so they are not taken for ours."""
    rule = acknowledged_id.split("::", 1)[-1]
    return rule if plugin_id(rule) == acknowledged_id else acknowledged_id


def _violations(report: Mapping[str, Any], plugins: set[str]) -> list[Violation]:
    """Violations reported by our packs (CDK adds plugins of its own, e.g. template checks
    that cfn-lint already runs as a layer of its own)."""
    found: list[Violation] = []
    for plugin in report.get("pluginReports", []):
        if plugin.get("pluginName") not in plugins:
            continue
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                match = _PATH.match(construct.get("constructPath", ""))
                stack, logical_id = match.groups() if match else ("", "")
                found.append(
                    Violation(
                        rule=violation["ruleName"],
                        description=violation.get("description", ""),
                        severity=violation.get("severity", "error"),
                        stack=stack,
                        logical_id=logical_id,
                        pack=plugin.get("pluginName", ""),
                    )
                )
    return found


def main() -> None:
    """Read the request on stdin, write the result to the path in argv[1]."""
    request = json.loads(sys.stdin.read())
    templates = [
        TemplateToCheck(**{**t, "template_path": Path(t["template_path"])})
        for t in request["templates"]
    ]
    result = _check_in_process(templates, request["packs"])
    Path(sys.argv[1]).write_text(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
