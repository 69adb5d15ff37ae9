"""RDS Proxy (issue 26, item 2): the proxy-enabled synthesis of the meridian example's prod,
held to the template, to the rule pack and to the chain check workload → proxy → database
(cfn-lint judges it in the example's `pgplat check`, tests/policy/test_check_examples.py)."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
import yaml

from pgplat.config.errors import ConfigError
from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.policy.assembly import Assembly
from pgplat.policy.chain import check_chain
from pgplat.policy.pack import run_rules
from tests.fixtures.examples import INNOVATE
from tests.fixtures.policy import with_templates
from tests.fixtures.proxy import PROXY, PROXY_DATA_STACK
from tests.infra.templates import resources

DATA = PROXY_DATA_STACK


@pytest.fixture(scope="module")
def template(proxy_synth: Synthesis) -> dict[str, Any]:
    return proxy_synth.template(DATA)


@pytest.fixture(scope="module")
def proxy_assembly(proxy_synth: Synthesis, proxy_config: PgplatConfig) -> Assembly:
    return Assembly.of_synthesis(proxy_synth, proxy_config)


def _one(template: dict[str, Any], type_: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = resources(template, type_).items()
    return logical_id, resource["Properties"]


def _policy_of(template: dict[str, Any], role_name: str) -> list[dict[str, Any]]:
    (role_id,) = [
        k
        for k, r in resources(template, "AWS::IAM::Role").items()
        if r["Properties"].get("RoleName") == role_name
    ]
    return [
        s
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_proxy_is_iam_end_to_end_with_tls_and_no_secret(template: dict[str, Any]) -> None:
    proxy_id, proxy = _one(template, "AWS::RDS::DBProxy")
    assert proxy["RequireTLS"] is True
    assert proxy["DefaultAuthScheme"] == "IAM_AUTH"
    assert "Auth" not in proxy, "no Secrets Manager secret behind an IAM-only proxy"
    assert proxy["EngineFamily"] == "POSTGRESQL"
    assert proxy["IdleClientTimeout"] == PROXY["idle_client_timeout_seconds"]
    _, targets = _one(template, "AWS::RDS::DBProxyTargetGroup")
    (cluster_id,) = resources(template, "AWS::RDS::DBCluster")
    assert targets["DBClusterIdentifiers"] == [{"Ref": cluster_id}]
    assert targets["DBProxyName"] == {"Ref": proxy_id}
    pool = targets["ConnectionPoolConfigurationInfo"]
    assert pool["MaxConnectionsPercent"] == PROXY["max_connections_percent"]
    _, readers = _one(template, "AWS::RDS::DBProxyEndpoint")
    assert readers["TargetRole"] == "READ_ONLY"
    outputs = template["Outputs"]
    assert outputs["ProxyEndpoint"]["Value"] == {"Fn::GetAtt": [proxy_id, "Endpoint"]}
    assert outputs["ProxyReaderEndpoint"]["Value"]["Fn::GetAtt"][1] == "Endpoint"


def test_the_proxy_role_connects_as_the_iam_users_only(
    template: dict[str, Any], proxy_config: PgplatConfig
) -> None:
    _, proxy = _one(template, "AWS::RDS::DBProxy")
    role_id = proxy["RoleArn"]["Fn::GetAtt"][0]
    role = resources(template, "AWS::IAM::Role")[role_id]["Properties"]
    principals = [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]]
    assert principals == [{"Service": "rds.amazonaws.com"}]
    statements = [
        s
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert {s["Action"] for s in statements} == {"rds-db:connect"}
    text = json.dumps(statements)
    iam_users = [u.name for u in proxy_config.database.users if u.auth == "iam"]
    for user in proxy_config.database.users:
        assert (f'"/{user.name}"' in text) == (user.name in iam_users)


def test_user_roles_may_connect_through_the_proxy(
    template: dict[str, Any], proxy_config: PgplatConfig
) -> None:
    proxy_id, _ = _one(template, "AWS::RDS::DBProxy")
    through_proxy = {
        "Fn::Select": [6, {"Fn::Split": [":", {"Fn::GetAtt": [proxy_id, "DBProxyArn"]}]}]
    }
    for user in proxy_config.database.users:
        role = f"pgplat-{proxy_config.name}-prod-db-{user.name}"
        connect = [s for s in _policy_of(template, role) if s["Action"] == "rds-db:connect"]
        arns = [part for s in connect for r in s["Resource"] for part in r["Fn::Join"][1]]
        assert (through_proxy in arns) == (user.auth == "iam"), user.name


def test_only_the_app_vpcs_reach_the_proxy_and_only_the_proxy_reaches_on(
    template: dict[str, Any], proxy_config: PgplatConfig
) -> None:
    _, proxy = _one(template, "AWS::RDS::DBProxy")
    (group_ref,) = proxy["VpcSecurityGroupIds"]
    group_id = group_ref["Fn::GetAtt"][0]
    group = resources(template, "AWS::EC2::SecurityGroup")[group_id]["Properties"]
    app_cidrs = proxy_config.environments.prod.network.app_cidrs
    assert {(r["CidrIp"], r["FromPort"], r["ToPort"]) for r in group["SecurityGroupIngress"]} == {
        (cidr, 5432, 5432) for cidr in app_cidrs
    }
    egress = [
        r["Properties"]
        for r in resources(template, "AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    (cluster,) = resources(template, "AWS::RDS::DBCluster").values()
    (db_group,) = cluster["Properties"]["VpcSecurityGroupIds"]
    assert [e["DestinationSecurityGroupId"] for e in egress] == [db_group]
    assert "SecurityGroupEgress" not in group or all(
        r["CidrIp"] == "255.255.255.255/32" for r in group["SecurityGroupEgress"]
    )


def test_the_gate_passes_and_the_chain_follows_the_proxy(
    proxy_assembly: Assembly, proxy_config: PgplatConfig
) -> None:
    assert run_rules(proxy_assembly, proxy_config, date.today()) == []
    assert check_chain(proxy_assembly, proxy_config) == []


def _proxy_group(t: dict[str, Any]) -> dict[str, Any]:
    proxy = next(r for r in t[DATA]["Resources"].values() if r["Type"] == "AWS::RDS::DBProxy")
    group: dict[str, Any] = t[DATA]["Resources"][
        proxy["Properties"]["VpcSecurityGroupIds"][0]["Fn::GetAtt"][0]
    ]
    return group


def _proxy_open_to_all(t: dict[str, Any]) -> None:
    _proxy_group(t)["Properties"]["SecurityGroupIngress"][0]["CidrIp"] = "0.0.0.0/0"


def _database_refuses_the_proxy(t: dict[str, Any]) -> None:
    for logical_id, r in list(t[DATA]["Resources"].items()):
        source = r.get("Properties", {}).get("SourceSecurityGroupId")
        if r["Type"] == "AWS::EC2::SecurityGroupIngress" and "Proxy" in json.dumps(source):
            del t[DATA]["Resources"][logical_id]


def _no_proxy(t: dict[str, Any]) -> None:
    for logical_id, r in list(t[DATA]["Resources"].items()):
        if r["Type"].startswith("AWS::RDS::DBProxy"):
            del t[DATA]["Resources"][logical_id]


def _connect_through_another_proxy(t: dict[str, Any]) -> None:
    for r in t[DATA]["Resources"].values():
        text = json.dumps(r)
        if r["Type"] == "AWS::IAM::Policy" and "DBProxyArn" in text and "AccessUsers" in text:
            r["Properties"] = json.loads(text.replace('"DBProxyArn"', '"OtherProxyArn"'))


PROXY_BROKEN = {
    "proxy open to the internet": (_proxy_open_to_all, "CHAIN-011"),
    "database refuses the proxy": (_database_refuses_the_proxy, "CHAIN-011"),
    "proxy missing": (_no_proxy, "CHAIN-011"),
    "connect through another proxy": (_connect_through_another_proxy, "CHAIN-006"),
}


@pytest.mark.parametrize(("mutate", "rule"), list(PROXY_BROKEN.values()), ids=list(PROXY_BROKEN))
def test_a_broken_proxy_link_is_reported(
    proxy_assembly: Assembly, proxy_config: PgplatConfig, mutate: Any, rule: str
) -> None:
    templates = copy.deepcopy({s.name: dict(s.template) for s in proxy_assembly.stacks})
    mutate(templates)
    findings = check_chain(with_templates(proxy_assembly, templates), proxy_config)
    assert rule in {f.rule_id for f in findings}
    assert all(f.environment == "prod" for f in findings)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"flavor": "rds", "proxy": {"read_only_endpoint": True}}, "read_only_endpoint"),
        ({"port": 6432, "proxy": {}}, "proxy"),
    ],
    ids=["read-only endpoint on RDS", "non-default port"],
)
def test_what_a_proxy_cannot_front_is_one_clear_error(change: dict[str, Any], field: str) -> None:
    document = yaml.safe_load(INNOVATE.read_text())
    prod = document["environments"]["prod"]
    if change.get("flavor") == "rds":
        for aurora_only in ("readers", "reader_autoscaling"):
            prod.pop(aurora_only)
    prod.update(change)
    with pytest.raises(ConfigError) as raised:
        parse_config(yaml.safe_dump(document), file="proxy.yaml")
    message = str(raised.value)
    assert f"environments.prod.{field}" in message or f"proxy.{field}" in message
    assert "remove" in message


def test_the_documented_example_validates() -> None:
    """docs/proxy.md's configuration, on innovate's prod, is what this variant synthesizes."""
    text = (INNOVATE.parents[1] / "docs" / "proxy.md").read_text()
    example = yaml.safe_load(text.split("```yaml\n", 1)[1].split("```", 1)[0])
    document = yaml.safe_load(INNOVATE.read_text())
    document["environments"]["prod"]["proxy"] = example["environments"]["prod"]["proxy"]
    config = parse_config(yaml.safe_dump(document), file="docs/proxy.md")
    proxy = config.environments.prod.proxy
    assert proxy is not None
    assert proxy.read_only_endpoint
