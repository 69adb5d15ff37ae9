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
``data_dir``) are resolved against the root too, never against the current folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONFIG = Path("pgplat.yaml")
"""The configuration file used when neither ``--config`` nor ``PGPLAT_CONFIG`` names one."""
DEFAULT_LOCAL_DATA_DIR = ".pgplat/local"
"""Default of ``environments.local.data_dir``: the local server's cluster, TLS and passwords."""


@dataclass(frozen=True)
class Project:
    """The folder a configuration's outputs and local state belong to (absolute)."""

    root: Path
    local_data_dir: str = DEFAULT_LOCAL_DATA_DIR

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
        """A path from the configuration or the command line, relative to the root."""
        return self.root / path

    @property
    def cdk_out(self) -> Path:
        """Cloud assemblies, one folder per environment, as ``pgplat synth`` writes them."""
        return self.root / "cdk.out"

    @property
    def build(self) -> Path:
        """Generated artifacts to hand on: guardrails and Kubernetes manifests."""
        return self.root / "build"

    @property
    def state(self) -> Path:
        """pgplat's own working state (never committed)."""
        return self.root / ".pgplat"

    @property
    def local(self) -> Path:
        """The local server's folder (``environments.local.data_dir``)."""
        return self.resolve(self.local_data_dir)

    @property
    def drills(self) -> Path:
        """Default folder of drill reports."""
        return self.state / "drills"

    @property
    def prices(self) -> Path:
        """Where ``pgplat advise --refresh-prices`` keeps the refreshed price table."""
        return self.state / "prices.json"

    @property
    def env_file(self) -> Path:
        """The application's ``.env`` for the local server."""
        return self.root / ".env"

    def ignored(self) -> list[str]:
        """``.gitignore`` entries for everything above that pgplat writes."""
        return [".env", f"{self.local_data_dir.rstrip('/')}/", "cdk.out/", "build/"]
