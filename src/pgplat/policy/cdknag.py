"""The cdk-nag layer: run the chosen packs over an assembly, report violations as findings and
list every acknowledgement in force with its reason.

cdk-nag 3.x is a validation plugin: ``Validations.of(app).add_plugins(AwsSolutionsChecks(app))``
runs its rules while the app synthesizes. To check any cloud assembly (fresh from `pgplat
synth` or an existing ``cdk.out``), the templates are included into a fresh app with
``CfnInclude`` and synthesized once more with the chosen packs. What is acknowledged comes
from two places: pgplat's table (:mod:`pgplat.policy.acknowledgements`), and what constructs
recorded in the assembly's metadata with ``Validations.of(construct).acknowledge`` (the CDK's
own constructs do; so may those of assemblies pgplat did not synthesize).

CDK prints a failed validation report on stderr before raising; the check therefore runs in a
child interpreter (``python -m pgplat.policy.cdknag_child``) whose output is captured, and the
report is read from the JSON copy CDK writes into the cloud assembly.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

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


def check_templates(
    templates: Iterable[TemplateToCheck], packs: Iterable[str] = DEFAULT_PACKS
) -> NagResult:
    """Run the packs over the templates; return what they found and what was acknowledged."""
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
    return NagResult(
        tuple(Violation(**v) for v in result["violations"]),
        tuple(Applied(**a) for a in result["acknowledged"]),
        tuple(Unreadable(**u) for u in result["unreadable"]),
    )


def nag_assembly(assembly: Assembly, packs: Iterable[str]) -> LayerResult:
    result = check_templates((_to_check(s) for s in assembly.stacks), packs)
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
