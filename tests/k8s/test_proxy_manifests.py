"""With a proxy in prod, the IAM workloads' ConfigMaps point at the proxy endpoints read from
the deploy's outputs (the names the synthesized data stack declares) and set PGPLAT_PROXY;
secret-auth workloads, whom an IAM-only proxy cannot serve, keep the database endpoints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.infra.app import Synthesis
from pgplat.k8s.manifests import Endpoints, workload_manifests
from tests.fixtures.proxy import PROXY_DATA_STACK

STACK = PROXY_DATA_STACK


@pytest.fixture(scope="module")
def outputs(proxy_synth: Synthesis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `cdk deploy --outputs-file` of the proxy variant: one host name per declared output."""
    declared = proxy_synth.template(STACK)["Outputs"]
    path = tmp_path_factory.mktemp("proxy-outputs") / "outputs.json"
    path.write_text(json.dumps({STACK: {name: f"{name.lower()}.example" for name in declared}}))
    return path


def _config_maps(config: PgplatConfig, endpoints: Endpoints) -> dict[str, dict[str, Any]]:
    return {
        doc["data"]["PGUSER"]: doc["data"]
        for docs in workload_manifests(config, "prod", endpoints).values()
        for doc in docs
        if doc["kind"] == "ConfigMap"
    }


def test_iam_workloads_connect_through_the_proxy(proxy_config: PgplatConfig, outputs: Path) -> None:
    maps = _config_maps(proxy_config, Endpoints.from_outputs(outputs, STACK))
    for user in proxy_config.database.users:
        data = maps[user.name]
        if user.auth == "iam":
            assert data["PGHOST"] == "proxyendpoint.example"
            assert data["PGPLAT_READER_HOST"] == "proxyreaderendpoint.example"
            assert data["PGPLAT_PROXY"] == "1"
        else:
            assert data["PGHOST"] == "writerendpoint.example"
            assert "PGPLAT_PROXY" not in data
        assert data["PGPORT"] == "5432"


def test_without_a_proxy_endpoint_the_manifests_say_where_to_get_it(
    proxy_config: PgplatConfig,
) -> None:
    with pytest.raises(UserError) as raised:
        workload_manifests(proxy_config, "prod", Endpoints(writer="w.rds", reader="r.rds"))
    message = str(raised.value)
    assert "environments.prod.proxy" in message
    assert "--outputs" in message
    assert "\n" not in message


def test_an_environment_without_proxy_is_unchanged(proxy_config: PgplatConfig) -> None:
    environments = proxy_config.environments
    prod = environments.prod.model_copy(update={"proxy": None})
    without = proxy_config.model_copy(
        update={"environments": environments.model_copy(update={"prod": prod})}
    )
    endpoints = Endpoints(writer="w.rds", reader="r.rds", proxy_writer="p.rds")
    dev = workload_manifests(proxy_config, "dev", endpoints)
    assert dev == workload_manifests(without, "dev", endpoints)
    assert all("PGPLAT_PROXY" not in m.get("data", {}) for docs in dev.values() for m in docs)
