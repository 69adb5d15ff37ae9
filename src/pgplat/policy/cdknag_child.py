"""The half of the cdk-nag layer that runs in a child interpreter (``python -m
pgplat.policy.cdknag_child RESULT``), for assemblies whose construct tree is gone: it reads the
request of :func:`pgplat.policy.cdknag.check_templates` on stdin, includes each template into a
fresh CDK app, runs the chosen packs over it and writes every violation as JSON to ``RESULT``
(which are acknowledged, the parent decides).

Only this process starts jsii for such assemblies: the checks import the CDK nowhere else.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import cloudformation_include

from pgplat.policy.cdknag import NagResult, TemplateToCheck, Unreadable
from pgplat.policy.cdknag_app import violations_in

_INCLUDED = "Template"
_PATH = re.compile(rf"^/?(?P<stack>[^/]+)/{_INCLUDED}/(?P<logical_id>[^/]+)")


def _check_in_process(templates: Iterable[TemplateToCheck], packs: list[str]) -> NagResult:
    app = cdk.App(analytics_reporting=False)
    unreadable: list[Unreadable] = []
    for template in templates:
        stack = cdk.Stack(app, template.stack, synthesizer=cdk.BootstraplessSynthesizer())
        try:
            cloudformation_include.CfnInclude(
                stack, _INCLUDED, template_file=str(template.template_path)
            )
        except RuntimeError as exc:
            app.node.try_remove_child(template.stack)
            unreadable.append(Unreadable(template.stack, str(exc).splitlines()[0]))
    return NagResult(violations_in(app, packs, _place), (), tuple(unreadable))


def _place(construct_path: str) -> tuple[str, str]:
    """The stack and logical id of an included resource, from its construct path."""
    match = _PATH.match(construct_path)
    return (match["stack"], match["logical_id"]) if match else ("", "")


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
