"""Several EKS clusters per environment: one mapping or a list, each user bound to some or all.

Today's single mapping keeps working (``clusters`` is then that one cluster); a list names each
cluster once, IRSA clusters with their issuer; a user's ``kubernetes.clusters`` picks clusters
of the environments (default: every one), and a name no environment has is one clear line.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pgplat.config.errors import ConfigError, dotted
from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig
from tests.fixtures.examples import INNOVATE

BASE: dict[str, Any] = yaml.safe_load(INNOVATE.read_text())
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
cluster_names = st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z", fullmatch=True)


def _config(prod_eks: Any, clusters_of_web: list[str] | None = None) -> PgplatConfig:
    data = copy.deepcopy(BASE)
    data["environments"]["prod"]["eks"] = prod_eks
    data["environments"].pop("dev")
    data["accounts"].pop("nonprod")
    if clusters_of_web is not None:
        data["database"]["users"][0]["kubernetes"]["clusters"] = clusters_of_web
    return parse_config(yaml.safe_dump(data, sort_keys=False), "pgplat.yaml")


def _problems(prod_eks: Any, clusters_of_web: list[str] | None = None) -> list[ConfigError]:
    with pytest.raises(ConfigError) as info:
        _config(prod_eks, clusters_of_web)
    return info.value.problems


def test_the_single_mapping_is_one_cluster_every_user_is_bound_to() -> None:
    config = parse_config(INNOVATE.read_text())
    for name, env in config.environments.cloud().items():
        assert [c.cluster_name for c in env.clusters] == [f"innovate-{name}"]
        assert env.eks == env.clusters[0], "the mapping as written stays readable"
        for user in config.database.users:
            assert env.clusters_of(user) == env.clusters


@settings(max_examples=15, deadline=None)
@given(
    names=st.lists(cluster_names, min_size=1, max_size=4, unique=True),
    data=st.data(),
)
def test_a_list_binds_each_user_to_the_clusters_it_names_in_their_order(
    names: list[str], data: st.DataObject
) -> None:
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    clusters = [{"cluster_name": n} for n in names]
    config = _config(clusters, chosen)
    prod = config.environments.prod
    web, reporting = config.database.users
    assert [c.cluster_name for c in prod.clusters] == names
    assert [c.cluster_name for c in prod.clusters_of(web)] == [n for n in names if n in chosen]
    assert prod.clusters_of(reporting) == prod.clusters, "no clusters: every cluster"


@settings(max_examples=15, deadline=None)
@given(
    names=st.lists(cluster_names, min_size=1, max_size=4, unique=True),
    repeats=st.lists(st.integers(0, 3), min_size=1, max_size=3),
)
def test_each_repeated_cluster_is_one_line_at_its_own_path(
    names: list[str], repeats: list[int]
) -> None:
    repeated = [names[i % len(names)] for i in repeats]
    listed = [{"cluster_name": n} for n in [*names, *repeated]]
    problems = _problems(listed)
    assert [dotted(p.path) for p in problems] == [
        f"environments.prod.eks[{len(names) + i}].cluster_name" for i in range(len(repeated))
    ]
    for problem, name in zip(problems, repeated, strict=True):
        first = names.index(name)
        assert f"{name!r} is listed twice" in problem.message
        assert f"(also eks[{first}])" in problem.message
        assert "\n" not in str(problem)


def test_an_irsa_cluster_of_a_list_needs_its_issuer() -> None:
    listed = [
        {"cluster_name": "east", "identity": "irsa", "oidc_provider_url": ISSUER},
        {"cluster_name": "west", "identity": "irsa"},
    ]
    (problem,) = _problems(listed)
    assert dotted(problem.path) == "environments.prod.eks[1]"
    assert "needs oidc_provider_url" in problem.message


def test_an_empty_list_is_refused_rather_than_meaning_no_clusters() -> None:
    (problem,) = _problems([])
    assert dotted(problem.path) == "environments.prod.eks"
    assert "at least one cluster" in problem.message


def test_eks_of_another_shape_says_what_it_takes() -> None:
    (problem,) = _problems("innovate-prod")
    assert dotted(problem.path) == "environments.prod.eks"
    assert "one cluster's mapping" in problem.message


def test_a_cluster_name_eks_would_refuse_is_refused() -> None:
    (problem,) = _problems({"cluster_name": "prod cluster"})
    assert dotted(problem.path) == "environments.prod.eks.cluster_name"


def test_a_user_naming_a_cluster_no_environment_has_is_one_line() -> None:
    listed = [{"cluster_name": "east"}, {"cluster_name": "west"}]
    (problem,) = _problems(listed, ["east", "north"])
    assert dotted(problem.path) == "database.users[0].kubernetes.clusters[1]"
    assert problem.exit_code == 2
    message = problem.message
    assert "user web" in message
    assert "'north'" in message
    assert "environments.prod has east, west" in message


def test_a_user_bound_to_no_cluster_of_an_environment_is_refused() -> None:
    data = copy.deepcopy(BASE)
    data["environments"]["prod"]["eks"] = [{"cluster_name": "east"}, {"cluster_name": "west"}]
    data["database"]["users"][0]["kubernetes"]["clusters"] = ["east"]
    with pytest.raises(ConfigError) as info:
        parse_config(yaml.safe_dump(data, sort_keys=False), "pgplat.yaml")
    (problem,) = info.value.problems
    assert dotted(problem.path) == "database.users[0].kubernetes.clusters"
    assert "user web" in problem.message
    assert "no cluster of environments.dev" in problem.message
    assert "innovate-dev" in problem.message


def test_a_user_lists_each_cluster_once_and_at_least_one() -> None:
    listed = [{"cluster_name": "east"}, {"cluster_name": "west"}]
    (twice,) = _problems(listed, ["east", "east"])
    assert dotted(twice.path) == "database.users[0].kubernetes.clusters"
    assert "east" in twice.message
    (empty,) = _problems(listed, [])
    assert dotted(empty.path) == "database.users[0].kubernetes.clusters"


def test_a_misspelt_key_of_a_listed_cluster_gets_its_did_you_mean() -> None:
    problems = _problems([{"cluster_name": "east"}, {"cluster_nam": "west"}])
    (typo,) = [p for p in problems if dotted(p.path) == "environments.prod.eks[1].cluster_nam"]
    assert "did you mean 'cluster_name'?" in typo.message


def test_the_documented_example_validates() -> None:
    """docs/eks-clusters.md's users and clusters, on innovate, bind as the page says."""
    text = (INNOVATE.parents[1] / "docs" / "eks-clusters.md").read_text()
    example = yaml.safe_load(text.split("```yaml\n")[2].split("```", 1)[0])
    data = copy.deepcopy(BASE)
    data["database"]["users"] = example["database"]["users"]
    for env in ("prod", "dev"):
        data["environments"][env]["eks"] = example["environments"][env]["eks"]
    config = parse_config(yaml.safe_dump(data), "docs/eks-clusters.md")
    orders, reporting = config.database.users
    prod, dev = config.environments.prod, config.environments.dev
    assert dev is not None
    assert [c.cluster_name for c in prod.clusters_of(orders)] == [
        "orders-prod",
        "orders-prod-eu",
        "orders-batch",
    ]
    assert [c.cluster_name for c in prod.clusters_of(reporting)] == ["orders-batch"]
    assert [c.cluster_name for c in dev.clusters_of(reporting)] == ["orders-dev"]
