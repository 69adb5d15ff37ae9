"""The chain check passes on both examples and fails on each deliberately broken link."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly
from pgplat.policy.chain import RULES, check_chain
from tests.fixtures.policy import with_templates
from tests.infra.test_proxy import PROXY_BROKEN

Templates = dict[str, dict[str, Any]]
Mutation = Callable[[Templates], None]


def test_both_examples_pass(
    innovate_assembly: Assembly,
    innovate: PgplatConfig,
    northwind_assembly: Assembly,
    northwind: PgplatConfig,
) -> None:
    assert check_chain(innovate_assembly, innovate) == []
    assert check_chain(northwind_assembly, northwind) == []


def _resource(templates: Templates, stack: str, type_: str, **match: Any) -> dict[str, Any]:
    """The first resource of ``type_`` in ``stack`` whose properties include ``match``."""
    for resource in templates[stack]["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == type_ and all(properties.get(k) == v for k, v in match.items()):
            return resource
    raise LookupError(f"no {type_} {match} in {stack}")


def _role(templates: Templates, stack: str, name: str) -> dict[str, Any]:
    return _resource(templates, stack, "AWS::IAM::Role", RoleName=name)


def _role_policy(templates: Templates, stack: str, name: str) -> dict[str, Any]:
    """The identity policy document attached to the role called ``name``."""
    (logical_id,) = [
        k
        for k, v in templates[stack]["Resources"].items()
        if v["Type"] == "AWS::IAM::Role" and v["Properties"].get("RoleName") == name
    ]
    for resource in templates[stack]["Resources"].values():
        if (
            resource["Type"] == "AWS::IAM::Policy"
            and {"Ref": logical_id} in resource["Properties"]["Roles"]
        ):
            return resource["Properties"]["PolicyDocument"]
    raise LookupError(name)


def _trust(templates: Templates, stack: str, name: str) -> dict[str, Any]:
    return _role(templates, stack, name)["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]


def _connect(templates: Templates, user: str) -> dict[str, Any]:
    statements = _role_policy(templates, "innovate-prod-data", f"pgplat-innovate-prod-db-{user}")
    return next(s for s in statements["Statement"] if s["Action"] == "rds-db:connect")


def _wildcard_connect(t: Templates) -> None:
    _connect(t, "web")["Resource"] = "*"


def _connect_as_another_user(t: Templates) -> None:
    _connect(t, "web")["Resource"]["Fn::Join"][1][-1] = "/reporting"


def _secret_user_connects(t: Templates) -> None:
    """A password (auth: secret) user's role granted an IAM token as well (issue 20)."""
    own = copy.deepcopy(_connect(t, "web"))
    own["Resource"]["Fn::Join"][1][-1] = "/reporting"
    _role_policy(t, "innovate-prod-data", "pgplat-innovate-prod-db-reporting")["Statement"].append(
        own
    )


def _connect_to_another_database(t: Templates) -> None:
    _connect(t, "web")["Resource"]["Fn::Join"][1][3] = "cluster-ABCDEFGHIJKL"


def _data_role_trusts_the_whole_app_account(t: Templates) -> None:
    del _trust(t, "innovate-prod-data", "pgplat-innovate-prod-db-web")["Condition"]["ArnEquals"]


def _data_role_trusts_outside_the_org(t: Templates) -> None:
    trust = _trust(t, "innovate-prod-data", "pgplat-innovate-prod-db-web")
    del trust["Condition"]["StringEquals"]


def _data_role_trusts_another_workload(t: Templates) -> None:
    trust = _trust(t, "innovate-prod-data", "pgplat-innovate-prod-db-web")
    trust["Condition"]["ArnEquals"]["aws:PrincipalArn"] = (
        "arn:aws:iam::222222222222:role/pgplat-innovate-prod-app-reporting"
    )


def _pods_of_any_cluster(t: Templates) -> None:
    del _trust(t, "innovate-prod-app", "pgplat-innovate-prod-app-web")["Condition"]["ArnEquals"]


def _no_pod_identity_association(t: Templates) -> None:
    resources = t["innovate-prod-app"]["Resources"]
    for logical_id in [k for k, v in resources.items() if v["Type"].endswith("Association")]:
        if resources[logical_id]["Properties"]["Namespace"] == "web":
            del resources[logical_id]


def _workload_may_assume_anything(t: Templates) -> None:
    policy = _role_policy(t, "innovate-prod-app", "pgplat-innovate-prod-app-web")
    policy["Statement"][0]["Resource"] = "*"


def _workload_may_do_more(t: Templates) -> None:
    policy = _role_policy(t, "innovate-prod-app", "pgplat-innovate-prod-app-web")
    policy["Statement"].append({"Action": "s3:*", "Effect": "Allow", "Resource": "*"})


def _workload_role_missing(t: Templates) -> None:
    _role(t, "innovate-prod-app", "pgplat-innovate-prod-app-web")["Properties"]["RoleName"] = "x"


def _data_role_missing(t: Templates) -> None:
    _role(t, "innovate-prod-data", "pgplat-innovate-prod-db-web")["Properties"]["RoleName"] = "x"


def _iam_user_reads_a_secret(t: Templates) -> None:
    reporting = _role_policy(t, "innovate-prod-data", "pgplat-innovate-prod-db-reporting")
    read = next(s for s in reporting["Statement"] if "secretsmanager:GetSecretValue" in s["Action"])
    web = _role_policy(t, "innovate-prod-data", "pgplat-innovate-prod-db-web")
    web["Statement"].append(copy.deepcopy(read))


def _data_vpc_routes_the_internet(t: Templates) -> None:
    route = _resource(t, "innovate-prod-data", "AWS::EC2::Route")
    route["Properties"]["DestinationCidrBlock"] = "0.0.0.0/0"


def _app_vpc_has_no_route(t: Templates) -> None:
    resources = t["innovate-prod-app"]["Resources"]
    for logical_id in [k for k, v in resources.items() if v["Type"] == "AWS::EC2::Route"]:
        del resources[logical_id]


def _tgw_routes_a_third_network(t: Templates) -> None:
    route = _resource(t, "innovate-prod-data", "AWS::EC2::TransitGatewayRoute")
    route["Properties"]["DestinationCidrBlock"] = "10.99.0.0/16"


def _nacl_admits_anyone(t: Templates) -> None:
    entry = _resource(
        t, "innovate-prod-data", "AWS::EC2::NetworkAclEntry", CidrBlock="10.10.0.0/16"
    )
    entry["Properties"]["CidrBlock"] = "0.0.0.0/0"


def _nacl_admits_every_port(t: Templates) -> None:
    entry = _resource(
        t, "innovate-prod-data", "AWS::EC2::NetworkAclEntry", CidrBlock="10.10.0.0/16", Egress=False
    )
    entry["Properties"]["PortRange"] = {"From": 0, "To": 65535}


def _nacl_drops_return_traffic(t: Templates) -> None:
    entry = _resource(
        t, "innovate-prod-data", "AWS::EC2::NetworkAclEntry", CidrBlock="10.10.0.0/16", Egress=True
    )
    entry["Properties"]["RuleAction"] = "deny"


def _security_group_admits_anyone(t: Templates) -> None:
    group = _db_security_group(t)
    group["Properties"]["SecurityGroupIngress"][0]["CidrIp"] = "0.0.0.0/0"


def _security_group_admits_every_port(t: Templates) -> None:
    group = _db_security_group(t)
    group["Properties"]["SecurityGroupIngress"][0].update(FromPort=0, ToPort=65535)


def _security_group_reaches_the_internet(t: Templates) -> None:
    group = _db_security_group(t)
    group["Properties"]["SecurityGroupEgress"] = [
        {"CidrIp": "0.0.0.0/0", "IpProtocol": "-1", "Description": "all out"}
    ]


def _db_security_group(t: Templates) -> dict[str, Any]:
    resources = t["innovate-prod-data"]["Resources"]
    (cluster,) = [v for v in resources.values() if v["Type"] == "AWS::RDS::DBCluster"]
    (ref,) = cluster["Properties"]["VpcSecurityGroupIds"]
    group: dict[str, Any] = resources[ref["Fn::GetAtt"][0]]
    return group


BROKEN: dict[str, tuple[Mutation, str]] = {
    "wildcard rds-db:connect": (_wildcard_connect, "CHAIN-006"),
    "connect as another user": (_connect_as_another_user, "CHAIN-006"),
    "connect to another database": (_connect_to_another_database, "CHAIN-006"),
    "secret user may rds-db:connect": (_secret_user_connects, "CHAIN-006"),
    "data role trusts the whole app account": (
        _data_role_trusts_the_whole_app_account,
        "CHAIN-005",
    ),
    "data role trusts outside the org": (_data_role_trusts_outside_the_org, "CHAIN-005"),
    "data role trusts another workload": (_data_role_trusts_another_workload, "CHAIN-005"),
    "pods of any cluster": (_pods_of_any_cluster, "CHAIN-002"),
    "no pod identity association": (_no_pod_identity_association, "CHAIN-002"),
    "workload may assume anything": (_workload_may_assume_anything, "CHAIN-003"),
    "workload may do more": (_workload_may_do_more, "CHAIN-003"),
    "workload role missing": (_workload_role_missing, "CHAIN-001"),
    "data role missing": (_data_role_missing, "CHAIN-004"),
    "iam user reads a secret": (_iam_user_reads_a_secret, "CHAIN-007"),
    "data VPC routes the internet": (_data_vpc_routes_the_internet, "CHAIN-008"),
    "app VPC has no route": (_app_vpc_has_no_route, "CHAIN-008"),
    "TGW routes a third network": (_tgw_routes_a_third_network, "CHAIN-012"),
    "NACL admits anyone": (_nacl_admits_anyone, "CHAIN-009"),
    "NACL admits every port": (_nacl_admits_every_port, "CHAIN-009"),
    "NACL drops return traffic": (_nacl_drops_return_traffic, "CHAIN-009"),
    "SG admits anyone": (_security_group_admits_anyone, "CHAIN-010"),
    "SG admits every port": (_security_group_admits_every_port, "CHAIN-010"),
    "SG reaches the internet": (_security_group_reaches_the_internet, "CHAIN-010"),
}


def _broken(assembly: Assembly, mutate: Mutation) -> Assembly:
    templates = copy.deepcopy({s.name: dict(s.template) for s in assembly.stacks})
    mutate(templates)
    return with_templates(assembly, templates)


@pytest.mark.parametrize(("mutate", "rule"), list(BROKEN.values()), ids=list(BROKEN))
def test_innovate_broken_link_is_reported(
    innovate_assembly: Assembly, innovate: PgplatConfig, mutate: Mutation, rule: str
) -> None:
    findings = check_chain(_broken(innovate_assembly, mutate), innovate)
    assert rule in {f.rule_id for f in findings}
    assert all(f.environment == "prod" for f in findings), "dev is untouched"
    assert all(f.layer == "chain" and f.severity == "error" and f.fix for f in findings)


def _irsa_trust(t: Templates) -> dict[str, Any]:
    trust = _trust(t, "northwind-prod-app", "pgplat-northwind-prod-app-orders_api")
    condition: dict[str, Any] = trust["Condition"]
    return condition


def _irsa_any_service_account(t: Templates) -> None:
    condition = _irsa_trust(t)
    equals = condition["StringEquals"]
    subject = next(k for k in equals if k.endswith(":sub"))
    condition["StringLike"] = {subject: "system:serviceaccount:orders:*"}
    del equals[subject]


def _irsa_any_audience(t: Templates) -> None:
    equals = _irsa_trust(t)["StringEquals"]
    del equals[next(k for k in equals if k.endswith(":aud"))]


def _irsa_another_cluster(t: Templates) -> None:
    trust = _trust(t, "northwind-prod-app", "pgplat-northwind-prod-app-orders_api")
    trust["Principal"]["Federated"] = trust["Principal"]["Federated"].replace("5C5D", "0000")


def _peering_route_to_everything(t: Templates) -> None:
    route = _resource(t, "northwind-prod-app", "AWS::EC2::Route")
    route["Properties"]["DestinationCidrBlock"] = "172.16.0.0/12"


def _rds_connect_to_another_instance(t: Templates) -> None:
    statements = _role_policy(t, "northwind-prod-data", "pgplat-northwind-prod-db-bi")["Statement"]
    connect = next(s for s in statements if s["Action"] == "rds-db:connect")
    connect["Resource"]["Fn::Join"][1][3] = {"Fn::GetAtt": ["Other", "DbiResourceId"]}


NORTHWIND_BROKEN: dict[str, tuple[Mutation, str]] = {
    "IRSA any service account": (_irsa_any_service_account, "CHAIN-002"),
    "IRSA any audience": (_irsa_any_audience, "CHAIN-002"),
    "IRSA another cluster": (_irsa_another_cluster, "CHAIN-002"),
    "peering route to all of 172.16/12": (_peering_route_to_everything, "CHAIN-008"),
    "connect to another instance": (_rds_connect_to_another_instance, "CHAIN-006"),
}


@pytest.mark.parametrize(
    ("mutate", "rule"), list(NORTHWIND_BROKEN.values()), ids=list(NORTHWIND_BROKEN)
)
def test_northwind_broken_link_is_reported(
    northwind_assembly: Assembly, northwind: PgplatConfig, mutate: Mutation, rule: str
) -> None:
    findings = check_chain(_broken(northwind_assembly, mutate), northwind)
    assert rule in {f.rule_id for f in findings}


def test_every_rule_is_exercised() -> None:
    broken = [*BROKEN.values(), *NORTHWIND_BROKEN.values(), *PROXY_BROKEN.values()]
    exercised = {rule for _, rule in broken}
    assert exercised == set(RULES)


def test_findings_point_at_the_broken_resource(
    innovate_assembly: Assembly, innovate: PgplatConfig
) -> None:
    (finding,) = check_chain(_broken(innovate_assembly, _wildcard_connect), innovate)
    assert finding.stack == "innovate-prod-data"
    assert finding.logical_id is not None
    assert (
        innovate_assembly.stack("innovate-prod-data").template["Resources"][finding.logical_id][
            "Properties"
        ]["RoleName"]
        == "pgplat-innovate-prod-db-web"
    )
    assert "*" in finding.message
