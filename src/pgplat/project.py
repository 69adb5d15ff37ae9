"""Where a project's files live: decided once, here, for every command and library call.

A project is the folder of its configuration file, as in docker compose: ``pgplat -c
examples/innovate-inc.yaml dev up`` keeps its server under ``examples/.pgplat/local`` from
whichever folder it is run, and every later command on the same file finds it there. The
global ``--project-dir`` (``PGPLAT_PROJECT_DIR``) moves the root elsewhere.

Everything pgplat writes for a project sits below the root::

    cdk.out/          synthesized cloud assemblies, with pgplat's synthesis and check records
    build/            guardrails and Kubernetes manifests
    .pgplat/local/    the local server (environments.local.data_dir)
    .pgplat/drills/   drill reports
    .pgplat/prices.json  a refreshed price table
    .env              the application's connection settings for the local server

Relative paths in the configuration (seed scripts, ``restore_test.ca_bundle``, the local
``data_dir``) are resolved against the root too, never against the current folder. Paths
given on the command line (``--out``, ``--cdk-out``) stay relative to the current folder,
as every shell user expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

DEFAULT_CONFIG = Path("pgplat.yaml")
"""The configuration file used when neither ``--config`` nor ``PGPLAT_CONFIG`` names one."""
DEFAULT_LOCAL_DATA_DIR = ".pgplat/local"
"""Default of ``environments.local.data_dir``: the local server's cluster, TLS and passwords."""
SYNTHESIS_RECORD = "pgplat-synthesis.json"
"""What ``pgplat synth`` records beside the cloud assemblies it writes: the configuration's
hash and each stack's environment and account role (read back by the checks)."""


class _Below:
    """A read-only attribute: a fixed path below the project's root."""

    def __init__(self, *parts: str) -> None:
        self.parts = parts

    @overload
    def __get__(self, project: None, owner: type[Any]) -> _Below: ...
    @overload
    def __get__(self, project: Project, owner: type[Any]) -> Path: ...
    def __get__(self, project: Project | None, owner: type[Any]) -> Path | _Below:
        return self if project is None else project.root.joinpath(*self.parts)


@dataclass(frozen=True)
class Project:
    """The folder a configuration's outputs and local state belong to (absolute)."""

    root: Path
    local_data_dir: str = DEFAULT_LOCAL_DATA_DIR

    cdk_out = _Below("cdk.out")
    """Cloud assemblies, one folder per environment, as ``pgplat synth`` writes them."""
    build = _Below("build")
    """Generated artifacts to hand on: guardrails and Kubernetes manifests."""
    state = _Below(".pgplat")
    """pgplat's own working state (never committed)."""
    drills = _Below(".pgplat", "drills")
    """Default folder of drill reports."""
    prices = _Below(".pgplat", "prices.json")
    """Where ``pgplat advise --refresh-prices`` keeps the refreshed price table."""
    env_file = _Below(".env")
    """The application's ``.env`` for the local server."""

    @classmethod
    def of(
        cls,
        config_file: Path,
        *,
        root: Path | None = None,
        local_data_dir: str = DEFAULT_LOCAL_DATA_DIR,
    ) -> Project:
        """The project of ``config_file``: its folder, unless ``root`` is given."""
        chosen = root if root is not None else config_file.absolute().parent
        return cls(chosen.absolute(), local_data_dir)

    def resolve(self, path: str | Path) -> Path:
        """A path from the configuration, relative to the root (absolute ones stay)."""
        return self.root / path

    @property
    def local(self) -> Path:
        """The local server's folder (``environments.local.data_dir``)."""
        return self.resolve(self.local_data_dir)

    def ignored(self, *, outputs: bool = True) -> list[str]:
        """``.gitignore`` entries for the local server's secrets and data and, with
        ``outputs``, the generated folders."""
        local = [".env", f"{self.local_data_dir.rstrip('/')}/"]
        return [*local, "cdk.out/", "build/"] if outputs else local
