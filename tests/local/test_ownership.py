"""pgplat deletes only what it made: a data_dir that is the project (or any folder pgplat did
not make) is refused by `up` and left alone by `destroy`. As root in a private (0700) folder,
the server's files live in a pgplat-made folder the server account can reach."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import yaml
from typer.testing import CliRunner

from pgplat.commands.app import app
from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.local.account import ServerAccount, server_account
from pgplat.local.cluster import LocalCluster
from pgplat.local.home import MARKER, SERVER_HOMES, claim
from tests.fixtures.examples import INNOVATE
from tests.fixtures.postgres import server_root


def _tree(folder: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def someone_elses_folder(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / "pgplat.yaml").write_text("# mine\n")
    return project


def test_up_refuses_a_folder_pgplat_did_not_make(
    innovate: PgplatConfig, someone_elses_folder: Path
) -> None:
    before = _tree(someone_elses_folder)
    with pytest.raises(UserError, match=f"not empty and was not made by pgplat.*{MARKER}"):
        LocalCluster(innovate, someone_elses_folder).up()
    assert _tree(someone_elses_folder) == before


def test_destroy_leaves_a_folder_pgplat_did_not_make_alone(
    innovate: PgplatConfig, someone_elses_folder: Path
) -> None:
    before = _tree(someone_elses_folder)
    with pytest.raises(UserError, match="leaves it alone"):
        LocalCluster(innovate, someone_elses_folder).destroy()
    assert _tree(someone_elses_folder) == before


def test_data_dir_dot_then_destroy_keeps_the_project(someone_elses_folder: Path) -> None:
    config = yaml.safe_load(INNOVATE.read_text())
    config["environments"]["local"] = {"data_dir": "."}
    (someone_elses_folder / "pgplat.yaml").write_text(yaml.safe_dump(config))
    before = _tree(someone_elses_folder)
    with contextlib.chdir(someone_elses_folder):
        for command in (["dev", "destroy", "-y"], ["dev", "up"]):
            result = CliRunner().invoke(app, ["-q", *command])
            assert result.exit_code != 0
    assert _tree(someone_elses_folder) == before


def test_destroy_keeps_what_others_put_beside_the_server(
    innovate: PgplatConfig, tmp_path: Path
) -> None:
    cluster = LocalCluster(innovate, tmp_path / "local")
    cluster.make_root(ServerAccount.caller())
    (cluster.root / "notes.txt").write_text("mine")
    cluster.destroy()
    assert (cluster.root / "notes.txt").read_text() == "mine"
    assert not (cluster.root / MARKER).exists()


@pytest.fixture(scope="module")
def private_project() -> Iterator[Path]:
    """A fresh project in a 0700 `mktemp -d` folder, as a clone under /root would be."""
    folder = Path(tempfile.mkdtemp(prefix="pgplat-private-"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    config = yaml.safe_load(INNOVATE.read_text())
    config["environments"]["local"] = {"port": 15433}
    (folder / "pgplat.yaml").write_text(yaml.safe_dump(config))
    yield folder
    with contextlib.chdir(folder):
        CliRunner().invoke(app, ["-q", "dev", "destroy", "-y"])
    shutil.rmtree(folder)


@pytest.mark.skipif(os.geteuid() != 0, reason="the server account differs only under root")
def test_root_in_a_private_folder_gets_a_working_server_without_widening_it(
    private_project: Path,
) -> None:
    with contextlib.chdir(private_project):
        result = CliRunner().invoke(app, ["-q", "dev", "up"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(private_project.stat().st_mode) == 0o700
    root = private_project / ".pgplat" / "local"
    home = Path((root / "server-home").read_text().strip())
    assert home.parent == SERVER_HOMES
    assert (home / MARKER).is_file()
    env = dict(
        line.split("=", 1)
        for line in (private_project / ".env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    with psycopg.connect(
        host=env["PGHOST"],
        port=env["PGPORT"],
        dbname=env["PGDATABASE"],
        user=env["PGUSER"],
        password=env["PGPASSWORD"],
        sslmode="verify-full",
        sslrootcert=env["PGSSLROOTCERT"],
    ) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("web",)
    with contextlib.chdir(private_project):
        assert CliRunner().invoke(app, ["-q", "dev", "destroy", "-y"]).exit_code == 0
    assert not home.exists()
    assert not root.exists()
    assert (private_project / "pgplat.yaml").exists()


@pytest.mark.parametrize("planted", ["pgdata", "tls"])
def test_a_link_planted_in_the_server_folder_is_refused_and_its_target_untouched(
    innovate: PgplatConfig, planted: str
) -> None:
    base = server_root("planted")
    try:
        cluster = LocalCluster(innovate, base / "local", port=0)
        cluster.make_root(server_account())
        victim = base / "victim"
        victim.mkdir()
        victim.chmod(0o755)
        before = victim.stat()
        (cluster.root / planted).symlink_to(victim)
        with pytest.raises(UserError, match=rf"{planted} is a symbolic link"):
            cluster.up()
        after = victim.stat()
        assert (after.st_uid, after.st_mode) == (before.st_uid, before.st_mode)
        assert list(victim.iterdir()) == []
    finally:
        shutil.rmtree(base)


def test_racing_claims_of_a_new_folder_all_succeed(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "local"
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: claim(folder, 0o700), range(16)))
    assert (folder / MARKER).is_file()
    assert sorted(p.name for p in folder.iterdir()) == [MARKER]


@pytest.mark.skipif(os.geteuid() != 0, reason="server homes exist only under root")
def test_the_server_home_of_a_project_deleted_without_destroy_is_swept(
    innovate: PgplatConfig,
) -> None:
    gone, kept = (Path(tempfile.mkdtemp(prefix="pgplat-sweep-")) for _ in range(2))
    first = LocalCluster(innovate, gone / ".pgplat" / "local")
    first.make_root(server_account())
    orphan = first.server_home
    assert orphan.parent == SERVER_HOMES
    shutil.rmtree(gone)  # the user deleted the project folder, server stopped
    second = LocalCluster(innovate, kept / ".pgplat" / "local")
    try:
        second.make_root(server_account())
        assert not orphan.exists()
        assert second.server_home.is_dir()
    finally:
        second.destroy()
        shutil.rmtree(kept)
    assert not second.server_home.exists()
