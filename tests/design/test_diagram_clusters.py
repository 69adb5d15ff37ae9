"""The diagram's EKS box names every cluster of the environment, with its identity."""

from __future__ import annotations

from pgplat.config.model import PgplatConfig
from pgplat.design.diagram import describe


def _eks_lines(config: PgplatConfig) -> list[tuple[str, ...]]:
    arch = describe(config)
    return [n.lines for top in arch.groups for g in top.walk() for n in g.nodes if n.kind == "eks"]


def test_the_eks_box_names_every_cluster(
    multi_az_cluster_config: PgplatConfig, northwind: PgplatConfig
) -> None:
    (lines,) = _eks_lines(multi_az_cluster_config)
    assert lines == (
        "EKS",
        *[
            line
            for cluster in multi_az_cluster_config.environments.prod.clusters
            for line in (cluster.cluster_name, cluster.identity)
        ],
    )
    assert len(lines) == 1 + 2 * 4
    assert _eks_lines(northwind) == [("EKS", "northwind", "irsa")], "one cluster as before"
