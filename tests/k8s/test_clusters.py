"""Manifests per EKS cluster: one folder per cluster when an environment has several, the
workloads bound to each, IRSA annotations and the agent's egress as that cluster's identity
asks; `--cluster NAME` writes one cluster's as a single-cluster environment gets them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from pgplat.commands.app import app
from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.k8s.manifests import POD_IDENTITY_AGENT, Endpoints, write_manifests
from tests.fixtures.examples import INNOVATE

ENDPOINTS = Endpoints(writer="w.rds.example", reader="r.rds.example")
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
CLUSTERS = [
    {"cluster_name": "innovate-prod"},
    {"cluster_name": "innovate-batch", "identity": "irsa", "oidc_provider_url": ISSUER},
]


def _document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(INNOVATE.read_text())
    document["environments"]["prod"]["eks"] = copy.deepcopy(CLUSTERS)
    reporting = document["database"]["users"][1]["kubernetes"]
    reporting["clusters"] = ["innovate-batch", "innovate-dev"]
    return document


@pytest.fixture(scope="module")
def two_clusters(tmp_path_factory: pytest.TempPathFactory) -> tuple[PgplatConfig, Path]:
    path = tmp_path_factory.mktemp("two-clusters") / "pgplat.yaml"
    path.write_text(yaml.safe_dump(_document(), sort_keys=False))
    return parse_config(path.read_text()), path


def _tree(out: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        str(p.relative_to(out)): list(yaml.safe_load_all(p.read_text()))
        for p in sorted(out.rglob("*.yaml"))
    }


def _kinds(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["kind"]: d for d in documents}


def test_several_clusters_get_a_folder_each_with_the_workloads_bound_to_it(
    two_clusters: tuple[PgplatConfig, Path], tmp_path: Path
) -> None:
    config, _ = two_clusters
    written = write_manifests(config, "prod", ENDPOINTS, tmp_path)
    tree = _tree(tmp_path)
    assert sorted(tree) == sorted(str(p.relative_to(tmp_path)) for p in written)
    assert sorted(tree) == [
        "innovate-batch/analytics-reporting.yaml",
        "innovate-batch/kustomization.yaml",
        "innovate-batch/web-web-api.yaml",
        "innovate-prod/kustomization.yaml",
        "innovate-prod/web-web-api.yaml",
    ]
    (batch,) = tree["innovate-batch/kustomization.yaml"]
    assert batch["resources"] == ["analytics-reporting.yaml", "web-web-api.yaml"]
    role = "arn:aws:iam::222222222222:role/pgplat-innovate-prod-app-web"
    irsa = _kinds(tree["innovate-batch/web-web-api.yaml"])
    assert irsa["ServiceAccount"]["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": role}
    pods = _kinds(tree["innovate-prod/web-web-api.yaml"])
    assert "annotations" not in pods["ServiceAccount"]["metadata"]
    agent = [{"ipBlock": {"cidr": POD_IDENTITY_AGENT}}]
    assert agent in [rule.get("to") for rule in pods["NetworkPolicy"]["spec"]["egress"]]
    egress = irsa["NetworkPolicy"]["spec"]["egress"]
    assert agent not in [rule.get("to") for rule in egress], "IRSA pods use STS, not the agent"
    assert pods["ConfigMap"] == irsa["ConfigMap"], "the same settings in every cluster"


def test_one_cluster_asked_for_is_written_as_a_single_cluster_environment_is(
    two_clusters: tuple[PgplatConfig, Path], innovate: PgplatConfig, tmp_path: Path
) -> None:
    config, _ = two_clusters
    write_manifests(config, "prod", ENDPOINTS, tmp_path / "asked", cluster="innovate-prod")
    write_manifests(innovate, "prod", ENDPOINTS, tmp_path / "single")
    asked, single = _tree(tmp_path / "asked"), _tree(tmp_path / "single")
    assert sorted(asked) == ["kustomization.yaml", "web-web-api.yaml"]
    assert asked["web-web-api.yaml"] == single["web-web-api.yaml"]


def test_a_cluster_the_environment_lacks_names_the_ones_it_has(
    two_clusters: tuple[PgplatConfig, Path], tmp_path: Path
) -> None:
    config, _ = two_clusters
    with pytest.raises(UserError) as info:
        write_manifests(config, "prod", ENDPOINTS, tmp_path, cluster="innovate-west")
    message = str(info.value)
    assert "environments.prod has no EKS cluster innovate-west" in message
    assert "innovate-prod, innovate-batch" in message
    assert not list(tmp_path.iterdir()), "nothing written"


def test_cli_cluster_option_and_folders(
    two_clusters: tuple[PgplatConfig, Path], tmp_path: Path
) -> None:
    _, path = two_clusters
    base = ["-q", "-c", str(path), "k8s", "manifests", "--writer-host", "w.rds.example"]
    result = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "all")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        "innovate-batch",
        "innovate-prod",
    ]
    one = tmp_path / "one"
    result = CliRunner().invoke(app, [*base, "--out", str(one), "--cluster", "innovate-batch"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in one.iterdir()) == [
        "analytics-reporting.yaml",
        "kustomization.yaml",
        "web-web-api.yaml",
    ]
