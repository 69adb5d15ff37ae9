"""Generated Kubernetes manifests: they parse, and carry the names and ARNs of the chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.infra.app import Synthesis
from pgplat.k8s.manifests import Endpoints, write_manifests
from tests.fixtures.certs import self_signed_cert
from tests.infra.access.templates import resources_of, role_names

ENDPOINTS = Endpoints(
    writer="innovate-prod.cluster-c1a2b3.us-east-1.rds.amazonaws.com",
    reader="innovate-prod.cluster-ro-c1a2b3.us-east-1.rds.amazonaws.com",
)
SETTINGS = {
    "PGHOST",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGPLAT_AUTH",
    "PGPLAT_ROLE_ARN",
    "PGPLAT_READER_HOST",
    "PGPLAT_REGION",
}


def _written(config: PgplatConfig, out: Path) -> dict[str, list[dict[str, Any]]]:
    paths = write_manifests(config, "prod", ENDPOINTS, out)
    return {p.name: list(yaml.safe_load_all(p.read_text())) for p in paths}


def _by_kind(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["kind"]: d for d in documents}


def test_one_file_per_workload_and_a_kustomization_listing_them(
    innovate: PgplatConfig, tmp_path: Path
) -> None:
    files = _written(innovate, tmp_path)
    assert sorted(files) == ["analytics-reporting.yaml", "kustomization.yaml", "web-web-api.yaml"]
    (kustomization,) = files.pop("kustomization.yaml")
    assert kustomization["kind"] == "Kustomization"
    assert kustomization["resources"] == sorted(files)
    for documents in files.values():
        assert [d["kind"] for d in documents] == ["ServiceAccount", "ConfigMap", "NetworkPolicy"]


def test_iam_user_config_map_for_pod_identity(innovate: PgplatConfig, tmp_path: Path) -> None:
    manifests = _by_kind(_written(innovate, tmp_path)["web-web-api.yaml"])
    account = manifests["ServiceAccount"]
    assert account["metadata"]["name"] == "web-api"
    assert account["metadata"]["namespace"] == "web"
    assert "annotations" not in account["metadata"], "Pod Identity needs no annotation"
    config_map = manifests["ConfigMap"]
    assert config_map["metadata"] == {
        "name": "web-api-database",
        "namespace": "web",
        "labels": {"app.kubernetes.io/managed-by": "pgplat", "pgplat.io/db-user": "web"},
    }
    assert config_map["data"] == {
        "PGHOST": ENDPOINTS.writer,
        "PGPORT": "5432",
        "PGDATABASE": "innovate",
        "PGUSER": "web",
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": "/etc/pgplat/rds-ca/global-bundle.pem",
        "PGPLAT_AUTH": "iam",
        "PGPLAT_ROLE_ARN": "arn:aws:iam::111111111111:role/pgplat-innovate-prod-db-web",
        "PGPLAT_READER_HOST": ENDPOINTS.reader,
        "PGPLAT_REGION": "us-east-1",
    }


def test_secret_user_gets_its_secret_arn_and_no_secret_value(
    northwind: PgplatConfig, tmp_path: Path
) -> None:
    config_map = _by_kind(_written(northwind, tmp_path)["orders-orders-api.yaml"])["ConfigMap"]
    assert set(config_map["data"]) == SETTINGS | {"PGPLAT_SECRET_ARN"}
    assert config_map["data"]["PGPLAT_AUTH"] == "secret"
    assert config_map["data"]["PGPLAT_SECRET_ARN"] == (
        "arn:aws:secretsmanager:eu-central-1:444444444444:secret:northwind/prod/users/orders_api"
    )


def test_irsa_service_account_is_annotated_with_its_workload_role(
    northwind: PgplatConfig, tmp_path: Path
) -> None:
    account = _by_kind(_written(northwind, tmp_path)["bi-metabase.yaml"])["ServiceAccount"]
    assert account["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::555555555555:role/pgplat-northwind-prod-app-bi"
    }


@pytest.mark.parametrize(("example", "agent"), [("innovate", True), ("northwind", False)])
def test_network_policy_opens_the_database_dns_and_credentials_only(
    request: pytest.FixtureRequest, tmp_path: Path, example: str, agent: bool
) -> None:
    config: PgplatConfig = request.getfixturevalue(example)
    vpc_cidr = config.environments.prod.network.vpc_cidr
    user = config.database.users[0]
    files = _written(config, tmp_path)
    name = f"{user.kubernetes.namespace}-{user.kubernetes.service_account}.yaml"
    policy = _by_kind(files[name])["NetworkPolicy"]
    spec = policy["spec"]
    assert spec["podSelector"] == {"matchLabels": {"pgplat.io/db-user": user.name}}
    assert spec["policyTypes"] == ["Egress"]
    rules = [(json.dumps(r.get("to")), json.dumps(r["ports"])) for r in spec["egress"]]
    database = (
        json.dumps([{"ipBlock": {"cidr": vpc_cidr}}]),
        json.dumps([{"protocol": "TCP", "port": 5432}]),
    )
    pod_identity_agent = (
        json.dumps([{"ipBlock": {"cidr": "169.254.170.23/32"}}]),
        json.dumps([{"protocol": "TCP", "port": 80}]),
    )
    assert database in rules
    assert (pod_identity_agent in rules) is agent
    assert [r["ports"] for r in spec["egress"]][1] == [
        {"protocol": "UDP", "port": 53},
        {"protocol": "TCP", "port": 53},
    ]


@pytest.mark.parametrize("example", ["innovate", "northwind"])
def test_manifests_name_the_roles_and_secrets_the_templates_create(
    request: pytest.FixtureRequest, tmp_path: Path, example: str
) -> None:
    config: PgplatConfig = request.getfixturevalue(example)
    synthesis: Synthesis = request.getfixturevalue(f"{example}_synth")
    data, app = f"{config.name}-prod-data", f"{config.name}-prod-app"
    data_roles = role_names(synthesis, data)
    app_roles = role_names(synthesis, app)
    secrets = {
        r["Properties"]["Name"]
        for r in resources_of(synthesis, data, "AWS::SecretsManager::Secret").values()
        if "Name" in r["Properties"]
    }
    files = _written(config, tmp_path)
    files.pop("kustomization.yaml")
    for documents in files.values():
        manifests = _by_kind(documents)
        settings = manifests["ConfigMap"]["data"]
        assert settings["PGPLAT_ROLE_ARN"].split("/")[-1] in data_roles
        if "PGPLAT_SECRET_ARN" in settings:
            assert settings["PGPLAT_SECRET_ARN"].split(":secret:")[-1] in secrets
        annotation = manifests["ServiceAccount"]["metadata"].get("annotations", {})
        for role_arn in annotation.values():
            assert role_arn.split("/")[-1] in app_roles


def test_endpoints_from_cdk_outputs_file(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "innovate-prod-data": {
                    "WriterEndpoint": ENDPOINTS.writer,
                    "ReaderEndpoint": ENDPOINTS.reader,
                    "Port": "5432",
                }
            }
        )
    )
    assert Endpoints.from_outputs(outputs, "innovate-prod-data") == ENDPOINTS
    with pytest.raises(UserError, match="no WriterEndpoint/ReaderEndpoint for stack other"):
        Endpoints.from_outputs(outputs, "other")
    with pytest.raises(UserError, match="cannot read outputs file"):
        Endpoints.from_outputs(tmp_path / "missing.json", "innovate-prod-data")


def test_environment_without_eks_is_a_user_error(innovate: PgplatConfig, tmp_path: Path) -> None:
    prod = innovate.environments.prod.model_copy(update={"eks": None})
    config = innovate.model_copy(
        update={"environments": innovate.environments.model_copy(update={"prod": prod})}
    )
    with pytest.raises(UserError, match=r"environments\.prod\.eks is not set"):
        write_manifests(config, "prod", ENDPOINTS, tmp_path)
    with pytest.raises(UserError, match="environment staging is not configured"):
        write_manifests(innovate, "staging", ENDPOINTS, tmp_path)


def _self_signed_pem() -> str:
    return self_signed_cert("test RDS root", days=1).decode()


def test_ca_bundle_ships_as_a_config_map_in_every_workload_namespace(
    innovate: PgplatConfig, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(_self_signed_pem())
    out = tmp_path / "k8s"
    write_manifests(innovate, "prod", ENDPOINTS, out, ca_bundle=bundle)
    assert (out / "rds-ca-bundle.pem").read_text() == bundle.read_text()
    kustomization = yaml.safe_load((out / "kustomization.yaml").read_text())
    assert kustomization["configMapGenerator"] == [
        {
            "name": "rds-ca-bundle",
            "namespace": namespace,
            "files": ["global-bundle.pem=rds-ca-bundle.pem"],
            "options": {"disableNameSuffixHash": True},
        }
        for namespace in ("analytics", "web")
    ]


def test_ca_bundle_must_be_pem(innovate: PgplatConfig, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("not a certificate")
    with pytest.raises(UserError, match="holds no PEM certificate"):
        write_manifests(innovate, "prod", ENDPOINTS, tmp_path / "k8s", ca_bundle=bundle)


def test_workloads_reach_the_database_on_its_configured_port(
    multi_az_cluster_config: PgplatConfig, tmp_path: Path
) -> None:
    """``environments.<env>.port`` (6432 in the multi-AZ variant) reaches every ConfigMap and
    NetworkPolicy, so pods neither dial nor open 5432."""
    port = multi_az_cluster_config.environments.prod.port
    assert port != 5432
    files = _written(multi_az_cluster_config, tmp_path)
    files.pop("kustomization.yaml")
    for documents in files.values():
        manifests = _by_kind(documents)
        assert manifests["ConfigMap"]["data"]["PGPORT"] == str(port)
        assert manifests["NetworkPolicy"]["spec"]["egress"][0]["ports"] == [
            {"protocol": "TCP", "port": port}
        ]
