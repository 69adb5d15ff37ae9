"""The cdk-nag layer: run the chosen packs over an assembly, report violations as findings and
list every acknowledgement in force with its reason."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pgplat.infra.nag import NagResult, TemplateToCheck, check_templates
from pgplat.policy.assembly import Assembly, Stack
from pgplat.policy.findings import Finding, Severity
from pgplat.policy.report import Acknowledged

_SEVERITY: dict[str, Severity] = {"error": "error", "warning": "warning"}


def nag_assembly(
    assembly: Assembly, packs: Iterable[str]
) -> tuple[list[Finding], list[Acknowledged]]:
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
    return TemplateToCheck(stack.name, stack.template_path, stack.environment, acknowledged)


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
            fix=f"Fix the resource, or acknowledge {v.rule} in pgplat.infra.nag with a reason.",
            layer="cdk-nag",
        )
        for v in result.violations
    ]


def _acknowledged(result: NagResult, assembly: Assembly) -> list[Acknowledged]:
    environments = _environments(assembly)
    return [
        Acknowledged(a.rule, a.reason, "cdk-nag", environments.get(a.stack), a.stack, a.logical_id)
        for a in result.acknowledged
    ]
