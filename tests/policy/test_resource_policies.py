"""Resource policies pgplat emits (KMS, Secrets Manager, S3, SNS, backup vault, Lambda
permissions) admit no anonymous or foreign principal without a narrowing condition.

Mutation tests tamper innovate's real synthesis one statement at a time (the four tamperings
that used to pass `pgplat check --from-cdk-out`, and one each for SNS, the vault and a Lambda
permission); each must be caught by its rule, naming the resource and the statement. Properties
over generated statements pin down what counts as narrowing.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import MANIFEST, Synthesis
from pgplat.policy.assembly import Assembly
from pgplat.policy.pack import run_rules
from pgplat.policy.rules import RULES
from pgplat.policy.rules._resource_policy import policy_exposure
from pgplat.policy.rules.base import Compliance
from tests.fixtures.examples import INNOVATE
from tests.fixtures.policy import CheckRun, run_check_cli, with_templates
from tests.policy.templates import TODAY, context, stack

Template = dict[str, Any]
POLICY_RULES = {"PGP-028", "PGP-029", "PGP-030", "PGP-031", "PGP-032", "PGP-033"}
FOREIGN = "999999999999"


def _resources(templates: dict[str, Template], kind: str) -> Iterator[tuple[str, Template]]:
    for name, template in templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] == kind and "-prod-" in name:
                yield logical_id, resource


def _statements(policy_property: str) -> Callable[[Template], list[Any]]:
    def statements(resource: Template) -> list[Any]:
        document = resource["Properties"].setdefault(policy_property, {"Statement": []})
        statements: list[Any] = document["Statement"]
        return statements

    return statements


def _allow(principal: Any, action: str, sid: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": "*",
    }


@dataclass(frozen=True)
class Tampering:
    """One statement added to (or one property changed on) the first resource of a type."""

    rule: str
    kind: str
    change: Callable[[Template], None]
    named: str
    bucket: str | None = None


def _add(policy_property: str, statement: dict[str, Any]) -> Callable[[Template], None]:
    return lambda resource: _statements(policy_property)(resource).append(statement)


def _open_permission(resource: Template) -> None:
    resource["Properties"]["Principal"] = FOREIGN
    del resource["Properties"]["SourceArn"]


TAMPERINGS = {
    "kms-anyone-everything": Tampering(
        "PGP-028",
        "AWS::KMS::Key",
        _add("KeyPolicy", _allow({"AWS": "*"}, "kms:*", "AnyoneAnything")),
        '(AnyoneAnything) lets anyone (Principal {"AWS": "*"}) call kms:*',
    ),
    "kms-star-decrypt": Tampering(
        "PGP-028",
        "AWS::KMS::Key",
        _add("KeyPolicy", _allow("*", "kms:Decrypt", "AnyoneDecrypts")),
        '(AnyoneDecrypts) lets anyone (Principal "*") call kms:Decrypt',
    ),
    "secret-get-value": Tampering(
        "PGP-029",
        "AWS::SecretsManager::ResourcePolicy",
        _add("ResourcePolicy", _allow("*", "secretsmanager:GetSecretValue", "AnyoneReads")),
        "(AnyoneReads) lets anyone",
    ),
    "trail-bucket-public-read": Tampering(
        "PGP-030",
        "AWS::S3::BucketPolicy",
        _add(
            "PolicyDocument",
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket83908E77", "Arn"]}, "/*"]]},
            },
        ),
        "(PublicRead) lets anyone",
        bucket="Bucket83908E77",
    ),
    "topic-foreign-subscribe": Tampering(
        "PGP-031",
        "AWS::SNS::TopicPolicy",
        _add("PolicyDocument", _allow({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, "sns:*", "Them")),
        f"(Them) lets account(s) {FOREIGN} outside the configuration",
    ),
    "vault-anyone-deletes": Tampering(
        "PGP-032",
        "AWS::Backup::BackupVault",
        _add("AccessPolicy", _allow("*", "backup:DeleteRecoveryPoint", "AnyoneDeletes")),
        "(AnyoneDeletes) lets anyone",
    ),
    "lambda-foreign-invoke": Tampering(
        "PGP-033",
        "AWS::Lambda::Permission",
        _open_permission,
        f"lets account(s) {FOREIGN} outside the configuration call lambda:InvokeFunction",
    ),
}


def _apply(templates: dict[str, Template], tampering: Tampering) -> str:
    """Apply ``tampering`` in place to the first production resource it fits; its logical id."""
    candidates = _resources(templates, tampering.kind)
    if tampering.bucket is not None:
        candidates = (
            (lid, r)
            for lid, r in candidates
            if r["Properties"].get("Bucket") == {"Ref": tampering.bucket}
        )
    logical_id, resource = next(candidates)
    tampering.change(resource)
    return logical_id


@pytest.mark.parametrize("name", TAMPERINGS)
def test_each_tampering_is_caught_and_named(
    name: str, innovate_assembly: Assembly, innovate: PgplatConfig
) -> None:
    tampering = TAMPERINGS[name]
    templates = {s.name: copy.deepcopy(dict(s.template)) for s in innovate_assembly.stacks}
    logical_id = _apply(templates, tampering)
    findings = run_rules(with_templates(innovate_assembly, templates), innovate, TODAY)
    caught = [f for f in findings if f.rule_id in POLICY_RULES]
    assert [(f.rule_id, f.logical_id) for f in caught] == [(tampering.rule, logical_id)]
    assert tampering.named in caught[0].message
    assert caught[0].severity == "error"


@pytest.mark.parametrize("example", ["innovate", "northwind"])
def test_the_examples_resource_policies_pass(example: str, request: pytest.FixtureRequest) -> None:
    assembly: Assembly = request.getfixturevalue(f"{example}_assembly")
    config: PgplatConfig = request.getfixturevalue(example)
    policy_rules = tuple(r for r in RULES if r.id in POLICY_RULES)
    assert run_rules(assembly, config, TODAY, policy_rules) == []


@pytest.fixture(scope="module")
def tampered_check(innovate_synth: Synthesis, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """`pgplat check --from-cdk-out --layer rules` on innovate's production assembly with
    every tampering applied at once; the (rule, logical id) pairs it must report."""
    out = tmp_path_factory.mktemp("tampered")
    cdk_out = out / "cdk.out"
    shutil.copytree(innovate_synth.outdir / "prod", cdk_out / "prod")
    manifest = json.loads((innovate_synth.outdir / MANIFEST).read_text())
    manifest["stacks"] = [s for s in manifest["stacks"] if s["env"] == "prod"]
    (cdk_out / MANIFEST).write_text(json.dumps(manifest))
    paths = {
        p.name.removesuffix(".template.json"): p
        for p in (cdk_out / "prod").rglob("*.template.json")
    }
    templates = {name: json.loads(path.read_text()) for name, path in paths.items()}
    expected = {(t.rule, _apply(templates, t)) for t in TAMPERINGS.values()}
    for name, template in templates.items():
        paths[name].write_text(json.dumps(template, indent=1))
    run = run_check_cli(INNOVATE, ["--from-cdk-out", str(cdk_out), "--layer", "rules"], out)
    return run, expected


def test_pgplat_check_fails_on_every_tampering(tampered_check: tuple[CheckRun, set[Any]]) -> None:
    run, expected = tampered_check
    assert run.exit_code == 1, run.stderr
    found = {(f["rule_id"], f["logical_id"]) for f in run.report["findings"]}
    assert expected <= found
    assert len(expected) == 6  # two KMS tamperings land on one key: one finding names both


# Properties over generated statements ---------------------------------------------------

OURS = ("111111111111", "222222222222", "333333333333")
ACTIONS = st.sampled_from(["kms:*", "kms:Decrypt", "s3:GetObject", "sns:Publish", "*"])
ANONYMOUS = st.sampled_from(
    ["*", {"AWS": "*"}, {"AWS": ["*"]}, {"AWS": ["arn:aws:iam::111111111111:root", "*"]}]
)
FOREIGN_ACCOUNTS = st.from_regex(r"\A[0-9]{12}\Z").filter(lambda a: a not in OURS)
OUTSIDERS = st.one_of(
    ANONYMOUS,
    FOREIGN_ACCOUNTS.map(lambda a: {"AWS": f"arn:aws:iam::{a}:root"}),
    FOREIGN_ACCOUNTS.map(
        lambda a: {
            "AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{a}:root"]]}
        }
    ),
)
NARROWING = st.one_of(
    st.sampled_from(OURS).map(lambda a: {"StringEquals": {"aws:SourceAccount": a}}),
    st.sampled_from(OURS).map(
        lambda a: {
            "StringEquals": {
                "kms:CallerAccount": a,
                "kms:ViaService": "rds.us-east-1.amazonaws.com",
            }
        }
    ),
    st.just({"StringEquals": {"aws:PrincipalOrgID": "o-innovate123"}}),
    st.just({"ArnLike": {"aws:SourceArn": {"Fn::GetAtt": ["Rule", "Arn"]}}}),
)
NOT_NARROWING = st.one_of(
    st.just({}),
    st.just({"Bool": {"aws:SecureTransport": "true"}}),
    st.just({"StringEquals": {"aws:PrincipalOrgID": "o-someoneelse"}}),
    st.just({"StringEquals": {"aws:SourceAccount": FOREIGN}}),
    st.just({"StringEqualsIfExists": {"aws:SourceAccount": OURS[0]}}),
    st.just({"StringNotEquals": {"aws:SourceAccount": OURS[0]}}),
    st.just({"StringLike": {"aws:SourceArn": "*"}}),
    st.just({"StringEquals": {"kms:ViaService": "rds.us-east-1.amazonaws.com"}}),
)
INSIDERS = st.one_of(
    st.sampled_from(OURS).map(lambda a: {"AWS": f"arn:aws:iam::{a}:root"}),
    st.just({"AWS": {"Fn::GetAtt": ["Role", "Arn"]}}),
    st.just({"Service": ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"]}),
)


def _exposure(statement: dict[str, Any], config: PgplatConfig) -> Compliance:
    ctx = context(config, stack({}))
    return policy_exposure({"Statement": [statement]}, ctx, "Policy").compliance


def _statement(
    principal: Any, action: str, condition: Any, effect: str = "Allow"
) -> dict[str, Any]:
    statement = {"Effect": effect, "Principal": principal, "Action": action, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return statement


@settings(max_examples=60, deadline=None)
@given(principal=OUTSIDERS, action=ACTIONS, condition=NOT_NARROWING)
def test_an_outsider_without_a_narrowing_condition_fails(
    innovate: PgplatConfig, principal: Any, action: str, condition: Any
) -> None:
    assert _exposure(_statement(principal, action, condition), innovate) is Compliance.NON_COMPLIANT


@settings(max_examples=60, deadline=None)
@given(principal=OUTSIDERS, action=ACTIONS, condition=NARROWING, extra=NOT_NARROWING)
def test_a_narrowing_condition_admits_an_outsider(
    innovate: PgplatConfig, principal: Any, action: str, condition: Any, extra: Any
) -> None:
    merged = {**extra, **condition} if set(extra).isdisjoint(condition) else condition
    assert _exposure(_statement(principal, action, merged), innovate) is Compliance.COMPLIANT


@settings(max_examples=60, deadline=None)
@given(
    who=st.one_of(
        st.tuples(OUTSIDERS, st.just("Deny")),
        st.tuples(INSIDERS, st.sampled_from(["Allow", "Deny"])),
    ),
    action=ACTIONS,
    condition=NOT_NARROWING,
)
def test_deny_statements_and_insiders_need_no_condition(
    innovate: PgplatConfig, who: tuple[Any, str], action: str, condition: Any
) -> None:
    principal, effect = who
    statement = _statement(principal, action, condition, effect)
    assert _exposure(statement, innovate) is Compliance.COMPLIANT


def test_not_principal_in_an_allow_fails(innovate: PgplatConfig) -> None:
    statement = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "kms:*",
    }
    assert _exposure(statement, innovate) is Compliance.NON_COMPLIANT


def test_a_policy_given_as_json_text_is_read(innovate: PgplatConfig) -> None:
    ctx = context(innovate, stack({}))
    text = json.dumps({"Statement": [_statement("*", "secretsmanager:GetSecretValue", None)]})
    assert policy_exposure(text, ctx, "ResourcePolicy").compliance is Compliance.NON_COMPLIANT


def test_a_vault_without_access_policy_is_not_applicable(innovate: PgplatConfig) -> None:
    (rule,) = (r for r in RULES if r.id == "PGP-032")
    vault = stack({"Vault": {"Type": "AWS::Backup::BackupVault", "Properties": {}}})
    resource = vault.resource("Vault")
    assert resource is not None
    assert rule.check(resource, context(innovate, vault)).compliance is Compliance.NOT_APPLICABLE
