"""The guardrails deny every crossing and leave production's own traffic alone, as IAM's
evaluation of Deny statements (and their condition operators) decides it."""

from __future__ import annotations

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.guardrails import Guardrails, Perimeter, build_guardrails
from pgplat.guardrails.crossings import crossings
from pgplat.guardrails.evaluate import Request, denying_statements, glob_match
from pgplat.guardrails.key_policy import KEY_POLICY_STATEMENTS
from pgplat.guardrails.scp import NONPROD_SCP, PROD_DATA_SCP
from tests.fixtures.isolation import EditConfig


@pytest.fixture(scope="module")
def innovate_guardrails(innovate: PgplatConfig) -> Guardrails:
    return build_guardrails(innovate)


def test_every_crossing_is_denied(innovate_guardrails: Guardrails) -> None:
    found = crossings(innovate_guardrails.perimeter)
    assert len(found) >= 20
    for crossing in found:
        statements = innovate_guardrails.statements(crossing.document)
        assert denying_statements(statements, crossing.request), crossing.what


def test_an_existing_transit_gateway_is_guarded(edit_innovate: EditConfig) -> None:
    tgw = "tgw-0fedcba9876543210"
    config = edit_innovate(
        lambda raw: raw["environments"]["prod"]["network"].update(transit_gateway_id=tgw)
    )
    guardrails = build_guardrails(config)
    attach = [c for c in crossings(guardrails.perimeter) if tgw in c.request.resource]
    assert len(attach) == 1
    assert denying_statements(guardrails.statements(NONPROD_SCP), attach[0].request)


def test_without_a_nonprod_account_every_crossing_is_still_denied(northwind: PgplatConfig) -> None:
    guardrails = build_guardrails(northwind)
    assert guardrails.perimeter.nonprod_account is None
    for crossing in crossings(guardrails.perimeter):
        assert denying_statements(guardrails.statements(crossing.document), crossing.request)


def _arn(p: Perimeter, service: str, account: str, resource: str) -> str:
    return p.arn(service, account, resource, p.region)


def production_traffic(p: Perimeter) -> list[tuple[str, Request, str]]:
    """Requests production and non-prod make every day; no guardrail may deny them."""
    data, app, dev = p.data_account, p.app_account, p.outsider
    app_vpc = _arn(p, "ec2", app, "vpc/vpc-0a1b2c3d4e5f60718")
    data_vpc = _arn(p, "ec2", data, "vpc/vpc-0123456789abcdef0")
    key = _arn(p, "kms", data, "key/prod")
    return [
        (
            PROD_DATA_SCP,
            Request(
                "ec2:CreateVpcPeeringConnection",
                _arn(p, "ec2", data, "vpc-peering-connection/*"),
                {"ec2:AccepterVpc": app_vpc},
            ),
            "peer the data VPC with the app VPC",
        ),
        (
            PROD_DATA_SCP,
            Request("ec2:CreateVpcPeeringConnection", data_vpc),
            "the VPC half of a peering request",
        ),
        (
            PROD_DATA_SCP,
            Request("ec2:AcceptVpcPeeringConnection", data_vpc, {"ec2:RequesterVpc": app_vpc}),
            "accept the app VPC's peering",
        ),
        (
            PROD_DATA_SCP,
            Request(
                "backup:CopyFromBackupVault",
                _arn(p, "backup", data, "backup-vault:prod"),
                {
                    "backup:CopyTargets": [
                        p.arn("backup", data, "backup-vault:prod-copy", "us-west-2")
                    ]
                },
            ),
            "cross-region backup copy in the data account",
        ),
        (
            PROD_DATA_SCP,
            Request("ram:CreateResourceShare", "*", {"ram:Principal": app}),
            "share the Transit Gateway with the app account",
        ),
        (
            PROD_DATA_SCP,
            Request("ram:AssociateResourceShare", _arn(p, "ram", data, "resource-share/tgw")),
            "add a resource (no principal) to the share",
        ),
        (
            PROD_DATA_SCP,
            Request("rds:CreateDBClusterSnapshot", _arn(p, "rds", data, "cluster-snapshot:manual")),
            "take a manual snapshot",
        ),
        (
            PROD_DATA_SCP,
            Request(
                "rds:RestoreDBClusterFromSnapshot", _arn(p, "rds", data, "cluster-snapshot:manual")
            ),
            "restore test in the data account",
        ),
        (
            NONPROD_SCP,
            Request(
                "rds:RestoreDBInstanceFromDBSnapshot", _arn(p, "rds", dev, "snapshot:dev-seed")
            ),
            "restore a dev snapshot in dev",
        ),
        (NONPROD_SCP, Request("kms:Decrypt", _arn(p, "kms", dev, "key/dev")), "use the dev key"),
        (
            NONPROD_SCP,
            Request("sts:AssumeRole", p.arn("iam", dev, "role/dev-db")),
            "assume a dev role",
        ),
        (
            NONPROD_SCP,
            Request(
                "ec2:CreateVpcPeeringConnection",
                _arn(p, "ec2", dev, "vpc-peering-connection/*"),
                {"ec2:AccepterVpc": _arn(p, "ec2", dev, "vpc/vpc-0dev")},
            ),
            "peer two dev VPCs",
        ),
        (
            KEY_POLICY_STATEMENTS,
            Request(
                "kms:Decrypt",
                key,
                {"aws:PrincipalAccount": data, "aws:PrincipalIsAWSService": "false"},
            ),
            "the data account decrypts",
        ),
        (
            KEY_POLICY_STATEMENTS,
            Request(
                "kms:Decrypt",
                key,
                {"aws:PrincipalAccount": app, "aws:PrincipalIsAWSService": "false"},
            ),
            "an app workload reads its secret",
        ),
        (
            KEY_POLICY_STATEMENTS,
            Request("kms:GenerateDataKey", key, {"aws:PrincipalIsAWSService": "true"}),
            "CloudWatch (a service principal) encrypts",
        ),
        (
            KEY_POLICY_STATEMENTS,
            Request(
                "kms:CreateGrant",
                key,
                {
                    "aws:PrincipalAccount": data,
                    "aws:PrincipalIsAWSService": "false",
                    "kms:GranteePrincipal": "rds.us-east-1.amazonaws.com",
                },
            ),
            "RDS takes its grant",
        ),
    ]


def test_production_traffic_is_not_denied(innovate_guardrails: Guardrails) -> None:
    for document, request, what in production_traffic(innovate_guardrails.perimeter):
        assert denying_statements(innovate_guardrails.statements(document), request) == [], what


def test_wildcards_follow_iam() -> None:
    assert glob_match(
        "arn:aws:rds:*:111111111111:snapshot:*", "arn:aws:rds:us-east-1:111111111111:snapshot:a"
    )
    assert not glob_match(
        "arn:aws:rds:*:111111111111:snapshot:*", "arn:aws:rds:us-east-1:333333333333:snapshot:a"
    )
    assert glob_match("rds:Copy*", "RDS:CopyDBSnapshot", ignore_case=True)
    assert glob_match("key/?", "key/a")
    assert not glob_match("key/?", "key/ab")
    assert glob_match("a[1]", "a[1]")


def test_an_operator_it_cannot_evaluate_never_counts_as_denying() -> None:
    statement = {
        "Effect": "Deny",
        "Action": "kms:*",
        "Resource": "*",
        "Condition": {"NumericLessThan": {"kms:RotationPeriodInDays": "90"}},
    }
    assert (
        denying_statements(
            [statement], Request("kms:Decrypt", "*", {"kms:RotationPeriodInDays": "30"})
        )
        == []
    )


def test_a_statement_for_named_principals_is_not_taken_for_everyone() -> None:
    statement = {
        "Effect": "Deny",
        "Principal": {"AWS": "arn:aws:iam::1:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert denying_statements([statement], Request("kms:Decrypt")) == []
    assert denying_statements([{**statement, "Principal": "*"}], Request("kms:Decrypt")) == ["0"]


@pytest.mark.parametrize(
    ("condition", "context", "denied"),
    [
        ({"StringNotEquals": {"k:a": ["x"]}}, {}, True),
        ({"StringNotEqualsIfExists": {"k:a": ["x"]}}, {}, True),
        ({"StringEqualsIfExists": {"k:a": ["x"]}}, {}, True),
        ({"StringEquals": {"k:a": ["x"]}}, {}, False),
        ({"Null": {"k:a": "true"}}, {}, True),
        ({"ForAllValues:StringEquals": {"k:a": ["x"]}}, {}, True),
        ({"ForAnyValue:StringEquals": {"k:a": ["x"]}}, {}, False),
        ({"ForAnyValue:StringLike": {"k:a": ["x*"]}}, {"k:a": ["y", "xz"]}, True),
        ({"ForAllValues:StringLike": {"k:a": ["x*"]}}, {"k:a": ["y", "xz"]}, False),
        ({"ArnNotLike": {"k:a": ["arn:aws:s3:::b*"]}}, {"k:a": "arn:aws:s3:::c"}, True),
        ({"Bool": {"k:a": "false"}}, {"k:a": "False"}, True),
    ],
)
def test_condition_operators(
    condition: dict[str, dict[str, object]], context: dict[str, object], denied: bool
) -> None:
    statement = {"Effect": "Deny", "Action": "k:Do", "Resource": "*", "Condition": condition}
    request = Request("k:Do", "*", context)  # type: ignore[arg-type]
    assert bool(denying_statements([statement], request)) is denied
