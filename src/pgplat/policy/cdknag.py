"""The cdk-nag layer: run the chosen packs over an assembly, report violations as findings and
list every acknowledgement in force with its reason.

cdk-nag 3.x checks a construct tree (``NagPack.validate_scope``). When `pgplat check`
synthesizes, the packs check the app it has just built (:mod:`pgplat.policy.cdknag_app`), once,
and the result is cached with the templates. Any other cloud assembly (``--from-cdk-out``, or a
synthesis made without the check) has no construct tree left: its templates are included into
a fresh app with ``CfnInclude`` in a child interpreter (``python -m
pgplat.policy.cdknag_child``), so an unchanged or foreign check never starts jsii here.

Both ways report every violation; which are accepted is decided here, the same way for both
(:func:`judge`): pgplat's table (:mod:`pgplat.policy.acknowledgements`), and what constructs
recorded in the assembly's metadata with ``Validations.of(construct).acknowledge`` (the CDK's
own constructs do; so may those of assemblies pgplat did not synthesize).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pgplat.policy.acknowledgements import ACKNOWLEDGEMENTS, Site
from pgplat.policy.assembly import Assembly, Stack
from pgplat.policy.findings import Finding, Severity
from pgplat.policy.report import Acknowledged, LayerResult
from pgplat.processes import run_captured

PACKS: dict[str, str] = {
    "aws-solutions": "AwsSolutionsChecks",
    "nist-800-53-r5": "NIST80053R5Checks",
    "hipaa": "HIPAASecurityChecks",
}
"""``--pack`` names, to the cdk-nag pack class."""
DEFAULT_PACKS = ("aws-solutions",)
_SEVERITY: dict[str, Severity] = {"error": "error", "warning": "warning"}
_CHILD = "pgplat.policy.cdknag_child"


@dataclass(frozen=True)
class TemplateToCheck:
    """One stack's template, with findings its own constructs already acknowledged and the
    construct path of each resource (both by logical id), and where the stack deploys."""

    stack: str
    template_path: Path
    environment: str | None = None
    acknowledged: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    paths: Mapping[str, str] = field(default_factory=dict)
    region: str = ""
    account: str = ""


@dataclass(frozen=True)
class Violation:
    rule: str
    description: str
    severity: str
    stack: str
    logical_id: str
    pack: str


@dataclass(frozen=True)
class Applied:
    """An acknowledgement in force on one resource."""

    rule: str
    reason: str
    stack: str
    logical_id: str


@dataclass(frozen=True)
class Unreadable:
    """A template cdk-nag could not load (CfnInclude rejects values CloudFormation would)."""

    stack: str
    error: str


@dataclass(frozen=True)
class NagResult:
    violations: tuple[Violation, ...]
    acknowledged: tuple[Applied, ...]
    unreadable: tuple[Unreadable, ...] = ()


def plugin_id(rule: str) -> str:
    """The id ``Validations.acknowledge`` expects: ``<pack>::<rule>`` (``AwsSolutions::…``)."""
    return f"{rule.split('-', 1)[0]}::{rule}"


def _rule_of(acknowledged_id: str) -> str:
    """The rule of a cdk-nag acknowledgement id; other plugins' ids (e.g. CDK's own template
    validation, acknowledged by a construct) stay whole, so they are not taken for ours."""
    rule = acknowledged_id.split("::", 1)[-1]
    return rule if plugin_id(rule) == acknowledged_id else acknowledged_id


def acknowledged_ids(
    template: TemplateToCheck, body: Mapping[str, Any]
) -> dict[str, dict[str, str]]:
    """By logical id, the acknowledgement ids in force on each resource of ``body`` (the
    template's content), with their reasons: those its constructs recorded, and pgplat's."""
    found: dict[str, dict[str, str]] = {}
    for logical_id, definition in body.get("Resources", {}).items():
        reasons = dict(template.acknowledged.get(logical_id, {}))
        site = Site(template.paths.get(logical_id, ""), template.region, template.account)
        for ack in ACKNOWLEDGEMENTS:
            for rule in ack.rules_for(definition, template.environment, site):
                reasons.setdefault(plugin_id(rule), ack.reason)
        if reasons:
            found[logical_id] = reasons
    return found


def judge(
    found: NagResult, templates: Iterable[tuple[TemplateToCheck, Mapping[str, Any]]]
) -> NagResult:
    """``found`` (every violation the packs reported) less those acknowledged on their
    resource, with each acknowledgement in force listed: the same for both ways of running."""
    reasons: dict[tuple[str, str], dict[str, str]] = {}
    applied: list[Applied] = []
    for template, body in templates:
        for logical_id, ids in acknowledged_ids(template, body).items():
            reasons[(template.stack, logical_id)] = ids
            applied.extend(
                Applied(_rule_of(i), reason, template.stack, logical_id)
                for i, reason in ids.items()
            )
    kept = tuple(
        v
        for v in found.violations
        if plugin_id(v.rule) not in reasons.get((v.stack, v.logical_id), {})
    )
    return NagResult(kept, tuple(applied), found.unreadable)


def check_templates(
    templates: Iterable[TemplateToCheck], packs: Iterable[str] = DEFAULT_PACKS
) -> NagResult:
    """Run the packs over the templates (in the child); return what they found and what was
    acknowledged."""
    templates = list(templates)
    request = {
        "packs": list(packs),
        "templates": [{**asdict(t), "template_path": str(t.template_path)} for t in templates],
    }
    with tempfile.TemporaryDirectory(prefix="pgplat-nag-") as workdir:
        result_path = Path(workdir) / "result.json"
        done = run_captured(
            [sys.executable, "-m", _CHILD, str(result_path)],
            what="cdk-nag",
            timeout=None,
            stdin=json.dumps(request),
        )
        if done.returncode != 0 or not result_path.exists():
            raise RuntimeError(f"cdk-nag failed: {done.stderr.strip()[-2000:]}")
        result = json.loads(result_path.read_text())
    found = NagResult(
        tuple(Violation(**v) for v in result["violations"]),
        (),
        tuple(Unreadable(**u) for u in result["unreadable"]),
    )
    unread = {u.stack for u in found.unreadable}
    return judge(
        found,
        ((t, json.loads(t.template_path.read_text())) for t in templates if t.stack not in unread),
    )


def nag_assembly(assembly: Assembly, packs: Iterable[str]) -> LayerResult:
    """The layer over an assembly on disk: its templates through ``CfnInclude`` (the child)."""
    result = check_templates((_to_check(s) for s in assembly.stacks), packs)
    return _findings(result, assembly), _acknowledged(result, assembly)


def layer_result(assembly: Assembly, violations: Iterable[Violation]) -> LayerResult:
    """The layer from the violations the packs reported over the app that synthesized
    ``assembly`` (:class:`pgplat.policy.cdknag_app.SynthesisNag`)."""
    found = NagResult(tuple(violations), ())
    result = judge(found, ((_to_check(s), s.template) for s in assembly.stacks))
    return _findings(result, assembly), _acknowledged(result, assembly)


def _to_check(stack: Stack) -> TemplateToCheck:
    """The stack's template, with the acknowledgements its own constructs recorded (on a
    construct or a whole stack) spread onto the resources beneath them."""
    paths = stack.logical_ids()
    acknowledged: dict[str, dict[str, str]] = {}
    for scope, reasons in stack.acknowledgements().items():
        for path, logical_id in paths.items():
            if path == scope or path.startswith(scope.rstrip("/") + "/"):
                acknowledged.setdefault(logical_id, {}).update(reasons)
    inside = f"/{stack.name}/"
    return TemplateToCheck(
        stack.name,
        stack.template_path,
        stack.environment,
        acknowledged,
        paths={logical_id: path.partition(inside)[2] for path, logical_id in paths.items()},
        region=stack.region or "",
        account=stack.account or "",
    )


def _environments(assembly: Assembly) -> Mapping[str, str | None]:
    return {s.name: s.environment for s in assembly.stacks}


def _findings(result: NagResult, assembly: Assembly) -> list[Finding]:
    environments = _environments(assembly)
    unchecked = [
        Finding(
            rule_id="cdk-nag",
            severity="error",
            title="Template not checked by cdk-nag",
            message=f"cdk-nag could not load the template: {u.error}",
            environment=environments.get(u.stack),
            stack=u.stack,
            fix="Fix the template error (cfn-lint names it); cdk-nag then checks the stack.",
            layer="cdk-nag",
        )
        for u in result.unreadable
    ]
    return unchecked + [
        Finding(
            rule_id=v.rule,
            severity=_SEVERITY.get(v.severity, "info"),
            title=v.rule.split("[", 1)[0],
            message=v.description,
            environment=environments.get(v.stack),
            stack=v.stack,
            logical_id=v.logical_id,
            fix=f"Fix the resource, or acknowledge {v.rule} in pgplat.policy.acknowledgements "
            "with a reason.",
            layer="cdk-nag",
        )
        for v in result.violations
    ]


def _acknowledged(result: NagResult, assembly: Assembly) -> list[Acknowledged]:
    environments = _environments(assembly)
    return [
        Acknowledged(
            a.rule,
            a.reason,
            "cdk-nag",
            environment=environments.get(a.stack),
            stack=a.stack,
            logical_id=a.logical_id,
        )
        for a in result.acknowledged
    ]
