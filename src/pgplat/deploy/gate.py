"""Production is deployed only from a synthesis that passes `pgplat check`."""

from __future__ import annotations

from pathlib import Path

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.infra.app import synthesize
from pgplat.policy.assembly import Assembly
from pgplat.policy.gate import run_check


def refuse_unless_checked(config: PgplatConfig, env: str, cdk_out: Path, *, base_dir: Path) -> None:
    """Raise when `pgplat check` reports findings at or above the threshold for ``env`` in
    the synthesis from ``base_dir`` (the project's root, as the deploy synthesized it)."""
    synthesis = synthesize(config, cdk_out, [env], reuse=True, base_dir=base_dir)
    report = run_check(config, Assembly.of_synthesis(synthesis, config), environments=[env])
    if not report.passed:
        first = report.failing[0]
        raise UserError(
            f"refusing to deploy {env}: `pgplat check --env {env}` reports "
            f"{len(report.failing)} finding(s) at {report.fail_on} level or above, first "
            f"{first.rule_id} ({first.title}); fix them or add a waiver with a reason and expiry"
        )
