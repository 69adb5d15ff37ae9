"""`pgplat up`: the whole product on one configuration, with no AWS account.

Validate → synthesize every environment → run the policy gate → write guardrails and the
Kubernetes manifests that can be written before a deploy → start the local PostgreSQL that
mirrors production and write `.env`. Every step is idempotent, and the two expensive ones are
cached: synthesis (``cdk.out/pgplat-synthesis.json``) on the hash of its inputs, reused only
while every template on disk is the one it wrote, and the gate's verdict
(``cdk.out/pgplat-check.json``) on the hash of the templates it judged, the rule pack, the
linters, the configuration and the day; a running local server is reused.

Everything is written under the project's root (see :mod:`pgplat.project`): ``cdk.out/``,
``build/`` (guardrails, manifests), ``.pgplat/local/`` (local server) and ``.env``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from pgplat.config.model import PgplatConfig
from pgplat.deploy.plan import outputs_file
from pgplat.guardrails import build_guardrails, write_guardrails
from pgplat.infra.record import Synthesis
from pgplat.infra.staging import writing
from pgplat.k8s.manifests import Endpoints, write_manifests
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.envfile import app_user, ensure_gitignored, write_env_file
from pgplat.local.files import write_private
from pgplat.naming import data_stack_name
from pgplat.policy.assembly import Assembly
from pgplat.policy.cache import CACHE_FILE, ResultCache
from pgplat.policy.findings import CheckLayer
from pgplat.policy.gate import checked_synthesis, run_check, verdict_key
from pgplat.policy.report import LayerResult
from pgplat.project import Project

CHECK_CACHE = "pgplat-check.json"
Step = Callable[[str], AbstractContextManager[object]]


@dataclass(frozen=True)
class CheckSummary:
    """The gate's verdict, small enough to cache beside the synthesis it judged."""

    passed: bool
    fail_on: str
    by_severity: dict[str, int]
    by_layer: dict[str, int]
    acknowledged: int
    waived: int
    cached: bool = False


@dataclass(frozen=True)
class UpResult:
    synthesis: Synthesis
    check: CheckSummary
    guardrails: list[Path]
    manifests: dict[str, list[Path]]
    manifests_pending: list[str]
    server: ServerInfo
    user: str
    env_file: Path
    notes: list[str] = field(default_factory=list)


def judged(
    config: PgplatConfig,
    synthesis: Synthesis,
    cdk_out: Path,
    known: Mapping[CheckLayer, LayerResult] | None = None,
    layers: ResultCache | None = None,
) -> CheckSummary:
    """The gate's verdict on the synthesis, from ``cdk_out``'s cache when it judged exactly
    these templates with the same rule pack, linters, configuration and day; ``known`` are
    layer results found while synthesizing (:func:`pgplat.policy.gate.checked_synthesis`),
    ``layers`` the layer cache `pgplat check` keeps in ``cdk_out``, if already open."""
    assembly = Assembly.of_synthesis(synthesis, config)
    key = verdict_key(assembly, config, date.today())
    cache = cdk_out / CHECK_CACHE
    try:
        saved = json.loads(cache.read_text())
        if saved.pop("key") == key:
            return CheckSummary(**saved, cached=True)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    layers = layers or ResultCache(cdk_out / CACHE_FILE)
    report = run_check(config, assembly, cache=layers, known=known)
    summary = CheckSummary(
        passed=report.passed,
        fail_on=report.fail_on,
        by_severity=dict(Counter(f.severity for f in report.findings)),
        by_layer=dict(Counter(f.layer for f in report.findings)),
        acknowledged=len(report.acknowledged),
        waived=len(report.waived),
    )
    record = {k: v for k, v in asdict(summary).items() if k != "cached"}
    with writing(cdk_out):
        write_private(cache, json.dumps({"key": key, **record}, indent=2), mode=0o644)
    return summary


def _manifests(
    config: PgplatConfig, cdk_out: Path, out: Path
) -> tuple[dict[str, list[Path]], list[str]]:
    """Manifests of every environment whose data stack is deployed (endpoints are known)."""
    written: dict[str, list[Path]] = {}
    pending: list[str] = []
    for env in config.environments.cloud():
        outputs = outputs_file(cdk_out, data_stack_name(config, env))
        if outputs.exists():
            endpoints = Endpoints.from_outputs(outputs, data_stack_name(config, env))
            written[env] = write_manifests(config, env, endpoints, out / env)
        else:
            pending.append(env)
    return written, pending


def run_up(
    config: PgplatConfig, project: Project, step: Step = lambda _label: nullcontext()
) -> UpResult:
    """Bring everything up for ``config`` under ``project``; see the module docstring."""
    cdk_out, build = project.cdk_out, project.build
    with step("Synthesizing CloudFormation for every environment"):
        layers = ResultCache(cdk_out / CACHE_FILE)  # cfn-lint lints into it meanwhile
        synthesis, known = checked_synthesis(
            config, cdk_out, base_dir=project.root, lint_into=layers
        )
        layers.save()  # kept even when the verdict itself is reused
    with step("Running the policy gate (rules, chain, isolation, cdk-nag, cfn-lint)"):
        check = judged(config, synthesis, cdk_out, known, layers)
    with step("Writing guardrails and Kubernetes manifests"):
        guardrails = write_guardrails(build_guardrails(config), build / "guardrails")
        manifests, pending = _manifests(config, cdk_out, build / "k8s")
    with step("Starting the local PostgreSQL that mirrors production"):
        cluster = LocalCluster(config, project.local)
        server = cluster.up()
        user = app_user(config)
        env_file = write_env_file(project.env_file, server.env(user), receipt=cluster.env_receipt)
        ensure_gitignored(project.root, project.ignored())
    return UpResult(
        synthesis,
        check,
        guardrails,
        manifests,
        pending,
        server,
        user,
        env_file,
        notes=list(server.notes),
    )


def run_down(config: PgplatConfig, project: Project) -> bool:
    """Stop the local server `up` started (its data stays); True if it was running."""
    return LocalCluster(config, project.local).down()
