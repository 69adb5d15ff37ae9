"""cdk-nag over synthesized templates, through CDK's policy-validation plugins.

cdk-nag 3.x is a validation plugin: ``Validations.of(app).add_plugins(AwsSolutionsChecks(app))``
runs its rules while the app synthesizes, and ``Validations.of(construct).acknowledge(...)``
records an accepted finding, with its reason, in the construct metadata. To check any cloud
assembly (fresh from `pgplat synth` or an existing ``cdk.out``), the templates are included
into a fresh app with ``CfnInclude`` and synthesized once more with the chosen packs.

Every finding pgplat accepts is listed in ``ACKNOWLEDGEMENTS`` with the reason it is safe.

CDK prints a failed validation report on stderr before raising; the check therefore runs in a
child interpreter (``python -m pgplat.infra.nag``) whose output is captured, and the report is
read from the JSON copy CDK writes into the cloud assembly.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aws_cdk as cdk

PACKS: dict[str, str] = {
    "aws-solutions": "AwsSolutionsChecks",
    "nist-800-53-r5": "NIST80053R5Checks",
    "hipaa": "HIPAASecurityChecks",
}
"""``--pack`` names, to the cdk-nag pack class."""
DEFAULT_PACKS = ("aws-solutions",)
_INCLUDED = "Template"


@dataclass(frozen=True)
class Acknowledgement:
    """A cdk-nag finding pgplat accepts, and why: on resources of ``resource_type`` whose
    definition mentions ``mentions``, in ``environments`` (all when empty).

    With ``per_wildcard_resource`` the rule is a base id (``AwsSolutions-IAM5``) and each
    wildcard resource of the policy is acknowledged as its own finding
    (``AwsSolutions-IAM5[Resource::…]``), the way cdk-nag names them.
    """

    rule: str
    resource_type: str
    reason: str
    mentions: str = ""
    environments: tuple[str, ...] = ()
    per_wildcard_resource: bool = False

    def rules_for(self, definition: Mapping[str, Any], environment: str | None) -> list[str]:
        """The finding ids this acknowledgement covers on one resource (none if it does
        not apply there)."""
        applies = (
            definition.get("Type") == self.resource_type
            and self.mentions in json.dumps(definition)
            and (not self.environments or environment in self.environments)
        )
        if not applies:
            return []
        if not self.per_wildcard_resource:
            return [self.rule]
        statements = definition.get("Properties", {}).get("PolicyDocument", {}).get("Statement", [])
        resources = [
            _as_nag_text(resource)
            for statement in statements
            for resource in _listed(statement.get("Resource"))
        ]
        return [f"{self.rule}[Resource::{r}]" for r in resources if "*" in r]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _as_nag_text(value: Any) -> str:
    """A template value as cdk-nag writes it in finding ids: joins joined, pseudo
    parameters and references as ``<Name>``."""
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_as_nag_text(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    return str(value)


def _aws_managed_policy(name: str, reason: str) -> Acknowledgement:
    """AwsSolutions-IAM4 for one AWS-managed service-role policy, on the roles that use it."""
    arn = f"arn:<AWS::Partition>:iam::aws:policy/service-role/{name}"
    return Acknowledgement(f"AwsSolutions-IAM4[Policy::{arn}]", "AWS::IAM::Role", reason, name)


_NONPROD = ("dev",)
_DB_TYPES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")

ACKNOWLEDGEMENTS: tuple[Acknowledgement, ...] = (
    _aws_managed_policy(
        "AWSLambdaBasicExecutionRole",
        "CDK's custom-resource and rotation functions only write their own logs; this "
        "AWS-maintained policy grants exactly logs:CreateLogGroup/CreateLogStream/PutLogEvents.",
    ),
    _aws_managed_policy(
        "AmazonRDSEnhancedMonitoringRole",
        "The role RDS assumes to publish Enhanced Monitoring; the AWS-documented policy only "
        "allows writing to the RDSOSMetrics log group, and AWS keeps it current.",
    ),
    _aws_managed_policy(
        "AWSBackupServiceRolePolicyForBackup",
        "AWS Backup's documented service-role policy; the backup selection limits it to the "
        "database, and AWS maintains it as the RDS snapshot APIs evolve.",
    ),
    _aws_managed_policy(
        "AWSBackupServiceRolePolicyForRestores",
        "AWS Backup's documented restore policy, used only by the restore-testing plan that "
        "proves backups restore; the restored copy is deleted by AWS Backup after validation.",
    ),
    *(
        Acknowledgement(
            "AwsSolutions-RDS11",
            db_type,
            "pgplat keeps PostgreSQL's 5432: only the app VPC CIDRs may reach it (PGP-023), with "
            "TLS (PGP-010) and IAM authentication (PGP-011); a moved port hides nothing from a "
            "client inside the allowed network.",
        )
        for db_type in _DB_TYPES
    ),
    *(
        Acknowledgement(
            "AwsSolutions-VPC3",
            acl_type,
            "The plan asks for security groups plus NACLs: the database-subnet NACL admits 5432 "
            "and return traffic from the app VPC CIDRs only, a second gate under the SG.",
        )
        for acl_type in ("AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry")
    ),
    Acknowledgement(
        "AwsSolutions-IAM5",
        "AWS::IAM::Policy",
        "A peering connection's id exists only once the app account requests it, so accepting "
        "names vpc-peering-connection/*; the statement is conditioned on ec2:AccepterVpc (the "
        "data VPC) and ec2:RequesterVpc (the configured app VPCs).",
        mentions="ec2:AcceptVpcPeeringConnection",
        per_wildcard_resource=True,
    ),
    Acknowledgement(
        "AwsSolutions-RDS3",
        "AWS::RDS::DBInstance",
        "The non-production database is the single-AZ, cost-optimised RDS the plan allows for "
        "development; production is held to Multi-AZ by PGP-015.",
        environments=_NONPROD,
    ),
    *(
        Acknowledgement(
            "AwsSolutions-RDS10",
            db_type,
            "The non-production database holds no production data and is disposable by design; "
            "production deletion protection is enforced by PGP-013.",
            environments=_NONPROD,
        )
        for db_type in _DB_TYPES
    ),
)


@dataclass(frozen=True)
class TemplateToCheck:
    """One stack's template, with findings its own code already acknowledged (by logical id)."""

    stack: str
    template_path: Path
    environment: str | None = None
    acknowledged: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


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
        done = subprocess.run(
            [sys.executable, "-m", __name__, str(result_path)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not result_path.exists():
            raise RuntimeError(f"cdk-nag failed: {done.stderr.strip()[-2000:]}")
        result = json.loads(result_path.read_text())
    return NagResult(
        tuple(Violation(**v) for v in result["violations"]),
        tuple(Applied(**a) for a in result["acknowledged"]),
        tuple(Unreadable(**u) for u in result["unreadable"]),
    )


def _check_in_process(templates: Iterable[TemplateToCheck], packs: list[str]) -> NagResult:
    # Imported here: only the child interpreter pays for starting jsii.
    import aws_cdk as cdk
    import cdk_nag

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
    import aws_cdk as cdk
    from aws_cdk import cloudformation_include

    stack = cdk.Stack(app, template.stack, synthesizer=cdk.BootstraplessSynthesizer())
    included = cloudformation_include.CfnInclude(
        stack, _INCLUDED, template_file=str(template.template_path)
    )
    body: dict[str, Any] = json.loads(template.template_path.read_text())
    applied: list[Applied] = []
    for logical_id, definition in body.get("Resources", {}).items():
        reasons = dict(template.acknowledged.get(logical_id, {}))
        for ack in ACKNOWLEDGEMENTS:
            for rule in ack.rules_for(definition, template.environment):
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


_PATH = re.compile(rf"^/?(?P<stack>[^/]+)/{_INCLUDED}/(?P<logical_id>[^/]+)")


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
    """Child entry: read the request on stdin, write the result to the path in argv[1]."""
    request = json.loads(sys.stdin.read())
    templates = [
        TemplateToCheck(**{**t, "template_path": Path(t["template_path"])})
        for t in request["templates"]
    ]
    result = _check_in_process(templates, request["packs"])
    Path(sys.argv[1]).write_text(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
