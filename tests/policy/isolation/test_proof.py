"""The isolation proof passes on the shipped examples, with their guardrails and the
Kubernetes manifests generated for dev, and its findings say what, where and why."""

from __future__ import annotations

from pathlib import Path

from pgplat.config.model import PgplatConfig
from pgplat.guardrails import build_guardrails
from pgplat.k8s.manifests import Endpoints, write_manifests
from pgplat.policy.assembly import Assembly
from pgplat.policy.isolation import RULES, prove_isolation

DEV_ENDPOINTS = Endpoints(
    writer="innovate-dev.abcdefghijkl.us-east-1.rds.amazonaws.com",
    reader="innovate-dev.abcdefghijkl.us-east-1.rds.amazonaws.com",
)


def test_innovate_prod_and_dev_are_isolated(
    innovate: PgplatConfig, innovate_assembly: Assembly, tmp_path: Path
) -> None:
    assert {s.environment for s in innovate_assembly.stacks} == {"prod", "dev"}
    manifests = write_manifests(innovate, "dev", DEV_ENDPOINTS, tmp_path / "k8s-dev")
    env_file = tmp_path / ".env"
    env_file.write_text(f"PGHOST={DEV_ENDPOINTS.writer}\nPGPORT=5432\nPGDATABASE=innovate\n")
    findings = prove_isolation(
        innovate_assembly, innovate, build_guardrails(innovate), [*manifests, env_file]
    )
    assert findings == []


def test_northwind_without_dev_is_isolated(
    northwind: PgplatConfig, northwind_assembly: Assembly
) -> None:
    assert prove_isolation(northwind_assembly, northwind, build_guardrails(northwind)) == []


def test_prod_manifests_handed_to_dev_are_caught(
    innovate: PgplatConfig, innovate_assembly: Assembly, tmp_path: Path
) -> None:
    """The prod ConfigMap names prod role ARNs: applied in dev it points dev pods at prod."""
    prod_endpoints = Endpoints(
        writer="innovate-prod.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com",
        reader="innovate-prod.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com",
    )
    manifests = write_manifests(innovate, "prod", prod_endpoints, tmp_path / "k8s")
    findings = prove_isolation(innovate_assembly, innovate, extra_files=manifests)
    assert findings
    assert {f.rule_id for f in findings} == {"ISO-002", "ISO-006"}
    messages = "\n".join(f.message for f in findings)
    assert "the prod data account id" in messages
    assert "the prod database cluster 'innovate-prod'" in messages
    # the prod NetworkPolicy lets dev pods egress to the prod data VPC
    assert "address 10.20.0.0/16 overlaps the prod data VPC 10.20.0.0/16" in messages


def test_rules_are_documented() -> None:
    assert sorted(RULES) == [f"ISO-00{i}" for i in range(1, 8)]
    for rule in RULES.values():
        assert rule.title
        assert rule.why
        assert rule.fix
