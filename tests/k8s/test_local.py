"""`pgplat dev k8s`: a local cluster's pods reach the local twin like production's reach RDS.

One server of its own, started on loopback only and then opted in to a second loopback
address (127.0.0.2: Linux routes all of 127/8 to lo), the way a developer adds
``listen_address`` to a running project. The pod's path is replayed with psycopg: ``hostaddr``
is where the name resolves inside the cluster, ``host`` the name verify-full checks.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import psycopg
import pytest
import yaml
from dotenv import dotenv_values
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner, Result

from pgplat.commands.app import app
from pgplat.config.loader import load_config
from pgplat.config.model import LocalEnvironment
from pgplat.errors import UserError
from pgplat.k8s.local import local_workload, pod_settings
from pgplat.k8s.manifests import Endpoints, write_manifests
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.tls import named_in
from tests.fixtures.certs import self_signed_cert
from tests.fixtures.examples import INNOVATE
from tests.fixtures.postgres import server_root

KUBERNETES = "1.33"
POD_HOST = "host.k3d.internal"
LISTEN = "127.0.0.2"

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web-api", "namespace": "web"},
    "spec": {
        "selector": {"matchLabels": {"app": "web-api"}},
        "template": {
            "metadata": {"labels": {"app": "web-api", "pgplat.io/db-user": "web"}},
            "spec": {
                "serviceAccountName": "web-api",
                "containers": [
                    {
                        "name": "app",
                        "image": "example/web-api:1",
                        "envFrom": [
                            {"configMapRef": {"name": "web-api-database"}},
                            {"secretRef": {"name": "web-api-database", "optional": True}},
                        ],
                        "volumeMounts": [
                            {"name": "rds-ca", "mountPath": "/etc/pgplat/rds-ca", "readOnly": True}
                        ],
                    }
                ],
                "volumes": [{"name": "rds-ca", "configMap": {"name": "rds-ca-bundle"}}],
            },
        },
    },
}
"""The documented Deployment (pgplat.k8s.local): one YAML for the cloud and the laptop."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _pgplat(project: Path, *args: str) -> Result:
    with contextlib.chdir(project):
        return CliRunner().invoke(app, ["-q", *args])


def _write_config(project: Path, port: int, **local: str) -> None:
    document = yaml.safe_load(INNOVATE.read_text())
    document["environments"]["local"] = {"port": port, **local}
    (project / "pgplat.yaml").write_text(yaml.safe_dump(document))


@pytest.fixture(scope="module")
def project() -> Iterator[Path]:
    """A running project first on loopback only, then opted in to 127.0.0.2 (one restart)."""
    root = server_root("k8s")
    port = _free_port()
    _write_config(root, port)
    first = _pgplat(root, "dev", "up")
    assert first.exit_code == 0, first.output
    _write_config(root, port, listen_address=LISTEN, k8s_host=POD_HOST)
    with contextlib.chdir(root):
        second = CliRunner().invoke(app, ["dev", "up"])
    assert second.exit_code == 0, second.output
    assert f"restarted the server to listen on localhost,{LISTEN} (port {port})" in second.stderr
    yield root
    LocalCluster(load_config(root / "pgplat.yaml"), root / ".pgplat" / "local").destroy()


@pytest.fixture(scope="module")
def manifests(project: Path) -> dict[str, dict[str, Any]]:
    out = project / "local-db.yaml"
    result = _pgplat(project, "dev", "k8s", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(out.read_text())}


def _validate(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, KUBERNETES, strict=True)


def test_pods_connect_with_verify_full_to_the_opt_in_address(
    project: Path, manifests: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    settings_ = manifests["ConfigMap/web-api-database"]["data"]
    password = manifests["Secret/web-api-database"]["stringData"]["PGPASSWORD"]
    # What the pod mounts at the folder of PGSSLROOTCERT.
    mounted = tmp_path / Path(settings_["PGSSLROOTCERT"]).name
    mounted.write_text(manifests["ConfigMap/rds-ca-bundle"]["data"]["global-bundle.pem"])
    pod = {
        "hostaddr": LISTEN,
        "port": settings_["PGPORT"],
        "dbname": settings_["PGDATABASE"],
        "user": settings_["PGUSER"],
        "password": password,
        "sslmode": settings_["PGSSLMODE"],
        "sslrootcert": str(mounted),
        "connect_timeout": 10,
    }
    assert settings_["PGHOST"] == POD_HOST
    with psycopg.connect(host=settings_["PGHOST"], **pod) as conn:
        row = conn.execute("SELECT host(inet_server_addr()), current_user").fetchone()
    assert row == (LISTEN, "web")
    # verify-full checks the name, not just the chain: a name outside the certificate fails.
    with pytest.raises(psycopg.OperationalError, match="certificate"):
        psycopg.connect(host="host.docker.internal", **pod)


def test_the_configmap_is_the_env_file_as_a_pod_sees_it(
    project: Path, manifests: dict[str, dict[str, Any]]
) -> None:
    env = dotenv_values(project / ".env")
    config_map = manifests["ConfigMap/web-api-database"]["data"]
    secret = manifests["Secret/web-api-database"]["stringData"]
    assert set(config_map) | set(secret) == set(env)
    assert all(str(env["PGPASSWORD"]) not in value for value in config_map.values())
    differ = {k for k in config_map if config_map[k] != env[k]}
    assert differ == {"PGHOST", "PGSSLROOTCERT"}
    assert secret == {"PGPASSWORD": env["PGPASSWORD"]}


def test_the_certificate_names_the_pod_host_and_the_listen_address(project: Path) -> None:
    cert = project / ".pgplat" / "local" / "tls" / "server.crt"
    for name in ("localhost", "127.0.0.1", POD_HOST, LISTEN):
        assert named_in(cert, name), name
    assert not named_in(cert, "127.0.0.3")


def test_one_deployment_runs_on_the_local_cluster_and_in_production(
    manifests: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(self_signed_cert("test RDS root", days=1))
    out = tmp_path / "prod"
    config = load_config(INNOVATE)
    write_manifests(config, "prod", Endpoints("w.rds", "r.rds"), out, ca_bundle=bundle)
    production = {
        f"{d['kind']}/{d['metadata']['name']}": d
        for d in yaml.safe_load_all((out / "web-web-api.yaml").read_text())
    }
    generated = yaml.safe_load((out / "kustomization.yaml").read_text())["configMapGenerator"]
    production |= {
        f"ConfigMap/{g['name']}": {"data": {g["files"][0].split("=")[0]: "..."}} for g in generated
    }
    for documents in (manifests, production):
        _assert_runs(DEPLOYMENT, documents)
    for document in [DEPLOYMENT, *manifests.values()]:
        _validate(document)
    for name in ("ServiceAccount/web-api", "ConfigMap/web-api-database"):
        cloud = {k: v for k, v in production[name]["metadata"].items() if k != "annotations"}
        assert manifests[name]["metadata"] == cloud, name
    assert "annotations" not in manifests["ServiceAccount/web-api"]["metadata"]


def _assert_runs(deployment: dict[str, Any], documents: dict[str, dict[str, Any]]) -> None:
    """Every reference of the Deployment resolves: its ServiceAccount, its ConfigMap, the
    Secret unless optional, and a CA bundle holding PGSSLROOTCERT where it is mounted."""
    pod = deployment["spec"]["template"]["spec"]
    assert f"ServiceAccount/{pod['serviceAccountName']}" in documents
    (container,) = pod["containers"]
    environment: dict[str, str] = {}
    for source in container["envFrom"]:
        kind, ref = next(iter(source.items()))
        name = f"{'ConfigMap' if kind == 'configMapRef' else 'Secret'}/{ref['name']}"
        assert name in documents or ref.get("optional"), name
        environment |= documents.get(name, {}).get("data", {})
    (mount,) = container["volumeMounts"]
    (volume,) = pod["volumes"]
    bundle = documents[f"ConfigMap/{volume['configMap']['name']}"]["data"]
    ca_path = Path(environment["PGSSLROOTCERT"])
    assert (str(ca_path.parent), ca_path.name in bundle) == (mount["mountPath"], True)


def test_the_superuser_and_unnamed_hosts_are_refused(project: Path) -> None:
    superuser = _pgplat(project, "dev", "k8s", "--user", "postgres")
    assert isinstance(superuser.exception, UserError)
    assert "application user" in str(superuser.exception)
    unnamed = _pgplat(project, "dev", "k8s", "--host", "host.minikube.internal")
    assert isinstance(unnamed.exception, UserError)
    assert "environments.local.k8s_host: host.minikube.internal" in str(unnamed.exception)


@settings(max_examples=30, deadline=None)
@given(
    password=st.text(min_size=1, max_size=40),
    host=st.sampled_from(["host.docker.internal", "host.k3d.internal", "172.17.0.1"]),
)
def test_pod_settings_move_only_host_ca_and_password(password: str, host: str) -> None:
    info = ServerInfo(
        host="localhost",
        port=15432,
        dbname="innovate",
        ca_file=Path("/project/.pgplat/local/tls/ca.crt"),
        bin_dir=Path("/bin"),
        data_dir=Path("/data"),
        socket_dir=Path("/run"),
        major=14,
        passwords={"web": password},
    )
    config_map, secret = pod_settings(info, "web", host)
    env = info.env("web")
    assert secret == {"PGPASSWORD": password}
    assert config_map | secret | {"PGHOST": "localhost", "PGSSLROOTCERT": str(info.ca_file)} == env
    assert config_map["PGHOST"] == host
    assert config_map["PGSSLROOTCERT"] == "/etc/pgplat/rds-ca/global-bundle.pem"


def test_an_address_the_server_does_not_hold_is_said_not_hidden(project: Path) -> None:
    config = load_config(project / "pgplat.yaml")
    info = LocalCluster(config, project / ".pgplat" / "local").info()
    assert local_workload(config, info, "web").notes == ()
    local = config.environments.local.model_copy(update={"listen_address": "127.0.0.3"})
    elsewhere = config.model_copy(
        update={"environments": config.environments.model_copy(update={"local": local})}
    )
    (note,) = local_workload(elsewhere, info, "web").notes
    assert f"does not accept connections on 127.0.0.3:{info.port}" in note


@settings(max_examples=40, deadline=None)
@given(address=st.ip_addresses())
def test_listen_address_is_one_interface_never_all(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    if address.is_unspecified or address.is_multicast:
        with pytest.raises(ValidationError, match="one address of this machine"):
            LocalEnvironment(listen_address=str(address))
    else:
        assert LocalEnvironment(listen_address=address.exploded).listen_address == str(address)


@pytest.mark.parametrize("value", ["*", "localhost", "172.17.0.0/16", ""])
def test_listen_address_is_an_ip_address(value: str) -> None:
    with pytest.raises(ValidationError, match="is not an IP address"):
        LocalEnvironment(listen_address=value)


@pytest.mark.parametrize("value", ["host_docker", "-host.internal", "a..b", "x" * 64])
def test_k8s_host_is_a_host_name(value: str) -> None:
    with pytest.raises(ValidationError, match="is not a host name"):
        LocalEnvironment(k8s_host=value)


def test_json_output_is_a_list_kubectl_applies(
    project: Path, manifests: dict[str, dict[str, Any]]
) -> None:
    result = _pgplat(project, "-o", "json", "dev", "k8s")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert (listed["apiVersion"], listed["kind"]) == ("v1", "List")
    assert listed["items"] == list(manifests.values())
