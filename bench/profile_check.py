"""Where the seconds of one cold `pgplat check` go, layer by layer (docs/check-profile.md).

Runs in one fresh interpreter, as `pgplat check` does: the garbage collector tuned, imports,
cfn-lint's workers started before the CDK is imported, the configuration, the synthesis with
cdk-nag over each app and cfn-lint linting each environment as it is written (each counted
apart), what cfn-lint had left once the synthesis ended, then each layer with nothing cached
(cfn-lint alone; cdk-nag also through the ``CfnInclude`` child, as for an assembly pgplat
did not synthesize), then the gate as the check runs it, and again from its cache.
``python bench/profile_check.py [CONFIG]``.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")
_START = time.perf_counter()
SPANS: list[tuple[str, float]] = []
CHECKS = ("pgplat.config", "pgplat.policy.gate", "pgplat.policy.cdknag", "pgplat.policy.lint")
"""What `pgplat check` imports before it knows whether the CDK is needed."""


@contextmanager
def span(name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    SPANS.append((name, time.perf_counter() - start))


def timed(name: str, fn: Callable[[], _T]) -> _T:
    with span(name):
        return fn()


def main() -> None:
    config_path = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/innovate-inc.yaml")
    from pgplat.collector import tune_for_short_lived_process

    tune_for_short_lived_process()
    with span("import pgplat's checks (no cfn-lint, no CDK)"):
        for module in CHECKS:
            importlib.import_module(module)
    from pgplat.policy.cache import ResultCache
    from pgplat.policy.lint import Linter

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        cache = ResultCache(out / "cache.json")  # the check's: cfn-lint's results land in it
        _profile(config_path, out, cache, Linter(cache, "us-east-1"))
    width = max(len(name) for name, _ in SPANS)
    for name, seconds in SPANS:
        print(f"{name:<{width}}  {seconds:7.2f} s")
    print(f"{'whole profile':<{width}}  {time.perf_counter() - _START:7.2f} s")


def _profile(config_path: Path, out: Path, cache: Any, linter: Any) -> None:
    from pgplat.config.loader import load_config
    from pgplat.policy.assembly import Assembly
    from pgplat.policy.cache import ResultCache
    from pgplat.policy.cdknag import layer_result
    from pgplat.policy.gate import _RUNNERS, Inputs, _nag, run_check

    with linter:
        timed("start cfn-lint's workers (they load its rules meanwhile)", linter.start)
        with span("import the CDK (jsii kernel, aws-cdk-lib, cdk-nag)"):
            from pgplat.infra.app import synthesize
            from pgplat.policy.cdknag_app import SynthesisNag
        config = timed("load and validate the configuration", lambda: load_config(config_path))
        nag = SynthesisNag(config, ("aws-solutions",))
        nag_seconds: list[float] = []

        def timed_nag(app: Any, assembly_dir: Path) -> None:
            start = time.perf_counter()
            nag(app, assembly_dir)
            nag_seconds.append(time.perf_counter() - start)

        synthesis = timed(
            "synthesis (assets bundled, cdk-nag over each app, cfn-lint meanwhile)",
            lambda: synthesize(
                config, out, base_dir=config_path.parent, inspect=timed_nag, written=linter.lint
            ),
        )
        SPANS.append(("  of which cdk-nag over the apps (validate_scope)", sum(nag_seconds)))
        stacks = list(synthesis.stacks.values())
        timed(
            "cfn-lint after the synthesis (what its workers had left)",
            lambda: linter.findings(stacks),
        )
        assembly = timed(
            "read the cloud assembly", lambda: Assembly.of_synthesis(synthesis, config)
        )
        known = {
            "cdk-nag": timed(
                "judge cdk-nag's violations", lambda: layer_result(assembly, nag.violations)
            )
        }
        inputs = Inputs(config, assembly, ("aws-solutions",), date.today(), ResultCache(None))
        for layer in ("rules", "chain", "isolation", "cfn-lint"):
            timed(
                f"layer {layer} alone, nothing cached", lambda layer=layer: _RUNNERS[layer](inputs)
            )
        timed("layer cdk-nag by the CfnInclude child (--from-cdk-out)", lambda: _nag(inputs))
        timed(
            "gate, as check runs it after its synthesis (cfn-lint's results handed over)",
            lambda: run_check(config, assembly, cache=cache, known=known),
        )
        timed(
            "gate, everything cached",
            lambda: run_check(config, assembly, cache=ResultCache(out / "cache.json")),
        )


if __name__ == "__main__":
    main()
