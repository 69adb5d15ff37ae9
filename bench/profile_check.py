"""Where the seconds of one cold `pgplat check` go, layer by layer (docs/check-profile.md).

Runs in one fresh interpreter, as `pgplat check` does: imports, configuration, synthesis with
cdk-nag over each app (its time counted apart), then each layer with nothing cached (cfn-lint
alone; cdk-nag also through the ``CfnInclude`` child, as for an assembly pgplat did not
synthesize), then the gate as the check runs it, and again from its cache. ``python
bench/profile_check.py [CONFIG]``.
"""

from __future__ import annotations

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
    with span("import pgplat's checks (no cfn-lint, no CDK)"):
        from pgplat.config import load_config
        from pgplat.policy.assembly import Assembly
        from pgplat.policy.cache import ResultCache
        from pgplat.policy.cdknag import layer_result
        from pgplat.policy.gate import _RUNNERS, Inputs, _nag, run_check
    with span("import the CDK (jsii kernel, aws-cdk-lib, cdk-nag)"):
        from pgplat.infra.app import synthesize
        from pgplat.policy.cdknag_app import SynthesisNag
    config = timed("load and validate the configuration", lambda: load_config(config_path))
    with tempfile.TemporaryDirectory(prefix="pgplat-profile-") as tmp:
        out = Path(tmp)
        nag = SynthesisNag(config, ("aws-solutions",))
        nag_seconds: list[float] = []

        def timed_nag(app: Any, assembly_dir: Path) -> None:
            start = time.perf_counter()
            nag(app, assembly_dir)
            nag_seconds.append(time.perf_counter() - start)

        synthesis = timed(
            "synthesis (every environment, assets bundled, cdk-nag over each app)",
            lambda: synthesize(config, out, base_dir=config_path.parent, inspect=timed_nag),
        )
        SPANS.append(("  of which cdk-nag over the apps (validate_scope)", sum(nag_seconds)))
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
            timed(f"layer {layer}", lambda layer=layer: _RUNNERS[layer](inputs))
        timed("layer cdk-nag by the CfnInclude child (--from-cdk-out)", lambda: _nag(inputs))
        cache = ResultCache(out / "cache.json")
        timed(
            "gate, cold, as check runs it after its synthesis",
            lambda: run_check(config, assembly, cache=cache, known=known),
        )
        timed(
            "gate, everything cached",
            lambda: run_check(config, assembly, cache=ResultCache(out / "cache.json")),
        )
    width = max(len(name) for name, _ in SPANS)
    for name, seconds in SPANS:
        print(f"{name:<{width}}  {seconds:7.2f} s")
    print(f"{'whole profile':<{width}}  {time.perf_counter() - _START:7.2f} s")


if __name__ == "__main__":
    main()
