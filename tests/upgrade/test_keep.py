"""`upgrade rehearse --keep`: a rehearsal that passed leaves green as the twin, on the twin's
port with its passwords and CA, and every later `dev up` runs the kept major."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgplat.config.model import PgplatConfig
from pgplat.local.cluster import LocalCluster
from pgplat.local.envfile import app_user
from pgplat.project import Project
from pgplat.upgrade.rehearsal import WORKDIR, RehearsalOptions, env_file_port_moved, rehearse
from tests.fixtures.postgres import server_root
from tests.upgrade.conftest import fill

pytestmark = pytest.mark.slow


@pytest.fixture
def own_twin(innovate: PgplatConfig) -> Iterator[tuple[LocalCluster, Project]]:
    """A twin of its own, on a port of its own as `dev up` makes it: keeping green changes
    it for good."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        local = innovate.environments.local.model_copy(update={"port": probe.getsockname()[1]})
    config = innovate.model_copy(
        update={"environments": innovate.environments.model_copy(update={"local": local})}
    )
    root = server_root("upgrade-keep")
    project = Project(root)
    cluster = LocalCluster(config, project.local)
    cluster.up()
    fill(cluster, rows=200)
    yield cluster, project
    LocalCluster(config, project.local).destroy()
    shutil.rmtree(root, ignore_errors=True)


def _rows(conninfo: str) -> tuple[object, ...]:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT current_setting('server_version_num')::int / 10000, "
            "(SELECT count(*) FROM app.users), (SELECT sum(total) FROM app.orders), "
            "(SELECT count(*) FROM pg_tables WHERE schemaname = 'app')"
        ).fetchone()
    assert row is not None
    return tuple(row)


def test_keep_makes_green_the_twin_on_the_same_port_and_password(
    own_twin: tuple[LocalCluster, Project], tmp_path: Path
) -> None:
    cluster, project = own_twin
    before = cluster.info()
    user = app_user(cluster.config)
    _, users, total, tables = _rows(before.conninfo(user))
    options = RehearsalOptions(17, rate=20, warmup=0.5, timeout=60, reports=tmp_path, keep=True)
    report, _ = rehearse(cluster.config, project, options, say=lambda _: None)
    assert report.passed, (report.message, report.differences)
    assert report.kept
    assert report.as_dict()["kept_as_twin"] is True
    assert not (project.state / WORKDIR).exists(), "blue and green were left behind"

    later = LocalCluster(cluster.config, project.local)  # what the next `dev up` sees
    after = later.info()
    assert (after.port, after.major) == (before.port, 17)
    assert after.passwords == before.passwords
    assert after.ca_file.read_bytes() == before.ca_file.read_bytes()
    # the application's own settings (.env: same port, password, CA) reach the kept twin,
    # with every row and without the probe's table
    assert _rows(before.conninfo(user)) == (17, users, total, tables)
    [warning] = after.warnings
    assert "kept by `pgplat upgrade rehearse --keep`" in warning
    assert env_file_port_moved(later.config, project) is None  # no .env: nothing to rewrite
    project.env_file.write_text(f"PGPORT={after.port}\n")
    assert env_file_port_moved(later.config, project) is None
    project.env_file.write_text("PGPORT=1\n")
    assert env_file_port_moved(later.config, project) == after.port
    later.down()
    assert later.up().major == 17, "a restart went back to production's major"
