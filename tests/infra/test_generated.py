"""Every configuration that validates yields templates CloudFormation accepts and the gate passes.

Configurations are drawn from the whole schema (``tests/fixtures/configs.py``). Synthesis costs
10-30 s, so ``make test`` runs a few derandomized examples and ``make fuzz`` runs many
(``PGPLAT_FUZZ_EXAMPLES``, default 40); both print their figures. Validation alone is cheap
and runs on many examples everywhere.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings

from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig
from pgplat.infra.app import synthesize
from pgplat.policy.assembly import Assembly
from pgplat.policy.gate import run_check
from pgplat.policy.lint import lint_stacks
from tests.fixtures.configs import SHAPES, Document, documents

_SYNTHESIZING = settings(
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a synthesis
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_every_generated_configuration_validates(document: Document) -> None:
    config = parse_config(json.dumps(document), file="generated.yaml")
    assert config.environments.prod.network.app_vpcs
    assert len(config.environments.prod.network.app_vpcs) <= 4
    assert len(config.database.users) <= 10


def _shape(document: Document) -> str:
    prod = document["environments"]["prod"]
    if prod.get("multi_az_cluster"):
        return "rds-cluster"
    if prod.get("serverless_v2"):
        return "serverless"
    return "aurora" if prod["flavor"] == "aurora" else "rds-instance"


def deploy_problems(config: PgplatConfig, outdir: Path) -> dict[str, list[str]]:
    """Why synthesis failed, or the cfn-lint errors and gate failures (every layer, at
    ``error``) of one configuration."""
    try:
        synthesis = synthesize(config, outdir)
    except Exception as exc:  # a run records every failure, then fails
        return {"synthesis": [f"{type(exc).__name__}: {exc}"], "cfn-lint": [], "gate": []}
    assembly = Assembly.of_synthesis(synthesis, config)
    lint = [str(f) for f in lint_stacks(assembly, config.region) if f.rule_id[0] == "E"]
    report = run_check(config, assembly, fail_on="error")
    gate = [f"{f.layer} {f.rule_id} {f.stack}/{f.logical_id}: {f.message}" for f in report.failing]
    return {"synthesis": [], "cfn-lint": lint, "gate": gate}


class Figures:
    """What a run saw: configurations generated and synthesized, and their problems."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.shapes: Counter[str] = Counter()
        self.problems: list[dict[str, Any]] = []

    def record(self, document: Document, problems: dict[str, list[str]]) -> None:
        self.counts["synthesized"] += not problems["synthesis"]
        self.shapes[_shape(document)] += 1
        self.counts["cfn-lint errors"] += len(problems["cfn-lint"])
        self.counts["gate failures"] += len(problems["gate"])
        if any(problems.values()):
            self.problems.append({"document": document, **problems})

    def report(self, name: str) -> str:
        text = json.dumps(
            {"run": name, **self.counts, "shapes": dict(self.shapes), "problems": self.problems},
            indent=1,
            default=str,
        )
        target = os.environ.get("PGPLAT_GENERATED_FIGURES")
        if target:
            Path(target).write_text(text + "\n")
        return text


def _run(
    name: str, examples: int, tmp_path_factory: pytest.TempPathFactory, *, derandomize: bool
) -> None:
    """Synthesize and check ``examples`` drawn configurations; every problem of every example
    is recorded (figures written as they come), then the run fails if there was any."""
    figures = Figures()

    @settings(_SYNTHESIZING, max_examples=examples, derandomize=derandomize)
    @given(documents())
    def deploys(document: Document) -> None:
        figures.counts["generated"] += 1
        config = PgplatConfig.model_validate(document)
        figures.record(document, deploy_problems(config, tmp_path_factory.mktemp("generated")))
        figures.report(name)

    deploys()
    print(figures.report(name))
    assert figures.problems == []
    assert figures.counts["synthesized"] == examples


@pytest.mark.slow
def test_generated_configurations_deploy(tmp_path_factory: pytest.TempPathFactory) -> None:
    _run("ci", 3, tmp_path_factory, derandomize=True)


@pytest.mark.fuzz
def test_many_generated_configurations_deploy(tmp_path_factory: pytest.TempPathFactory) -> None:
    examples = int(os.environ.get("PGPLAT_FUZZ_EXAMPLES", "40"))
    _run("fuzz", examples, tmp_path_factory, derandomize=False)


def _prod_network(document: Document) -> Document:
    network: Document = document["environments"]["prod"]["network"]
    return network


def _cluster_lists(document: Document) -> list[list[Document]]:
    listed = [e["eks"] for e in document["environments"].values() if "eks" in e]
    return [c for c in listed if isinstance(c, list)]


REACHED: dict[str, Any] = {
    **{f"shape {shape}": (lambda d, s=shape: _shape(d) == s) for shape in SHAPES},
    **{
        f"connectivity {mode}": (lambda d, m=mode: _prod_network(d)["connectivity"] == m)
        for mode in ("transit-gateway", "vpc-peering")
    },
    "a network hub": lambda d: "network" in d["accounts"],
    "no network hub": lambda d: "network" not in d["accounts"],
    "an existing VPC with its own endpoints": lambda d: (
        not _prod_network(d).get("existing_vpc", {"create_interface_endpoints": True})[
            "create_interface_endpoints"
        ]
    ),
    "an existing VPC without": lambda d: (
        _prod_network(d).get("existing_vpc", {}).get("create_interface_endpoints", False)
    ),
    "several EKS clusters": lambda d: any(len(c) > 1 for c in _cluster_lists(d)),
    "clusters of mixed identities": lambda d: any(
        len({x["identity"] for x in c}) > 1 for c in _cluster_lists(d)
    ),
    "users bound to some clusters": lambda d: any(
        "clusters" in u["kubernetes"] for u in d["database"]["users"]
    ),
}
"""What the generator must reach, each a predicate on a drawn document."""


@pytest.mark.parametrize("what", sorted(REACHED))
def test_the_generator_reaches_every_shape_and_connectivity(what: str) -> None:
    """The strategy is not lopsided: each shape, connectivity, hub, existing VPC and cluster
    layout is drawn. Searched for with ``find`` rather than read off a fixed run of examples:
    which examples a derandomized run draws depends on the modules imported before it
    (Hypothesis draws constants from local code), so a fixed run reaches by luck."""
    find(
        documents(),
        REACHED[what],
        settings=settings(
            max_examples=500,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],  # the first found is enough: no shrinking
        ),
    )
