"""The pinned AWS CDK CLI installs from its lock file and runs on the bundled Node; the
install is announced, bounded in time, and never outlives pgplat."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pgplat.deploy import cdk_cli
from pgplat.errors import UserError
from pgplat.npm import TIMEOUT_VARIABLE, timeout
from tests.fixtures.children import processes_below, wait_for


def test_lock_file_pins_the_version_package_json_asks_for() -> None:
    folder = Path(cdk_cli.__file__).parent / "cdk_cli"
    wanted = json.loads((folder / "package.json").read_text())["dependencies"]["aws-cdk"]
    assert wanted == cdk_cli.pinned_version()  # an exact pin, no range


@pytest.mark.slow
def test_installed_cli_reports_the_pinned_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    command = cdk_cli.cdk_command()
    done = subprocess.run(
        [*command, "--version"], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.startswith(cdk_cli.pinned_version())
    assert cdk_cli.cdk_command() == command  # second call reuses the install


_INSTALL = "from pgplat.deploy.cdk_cli import cdk_command; cdk_command()"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user cache, so the CLI is installed (npm ci) on first use."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    ("registry", "expected"),
    [("silent_registry", "did not finish within 3 s"), ("refusing_registry", "failed (npm")],
)
def test_an_unreachable_registry_ends_within_the_bound_in_one_line(
    registry: str,
    expected: str,
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setenv("npm_config_registry", request.getfixturevalue(registry))
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    monkeypatch.setenv(TIMEOUT_VARIABLE, "3")
    announced: list[str] = []
    started = time.monotonic()
    with pytest.raises(UserError) as raised:
        cdk_cli.cdk_command(announce=announced.append)
    assert time.monotonic() - started < 3 + 10  # the bound, and npm's own start
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"installing the AWS CDK CLI {cdk_cli.pinned_version()} with npm")
    assert expected in message
    assert "npm registry" in message
    assert announced == [
        f"Installing the AWS CDK CLI {cdk_cli.pinned_version()} into {cache}/pgplat/cdk-cli/"
        f"{cdk_cli.pinned_version()} (first use; npm ci, at most 3 s, {TIMEOUT_VARIABLE})"
    ]
    assert processes_below(cache) == []


@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_npm_dies_with_pgplat(
    signal_number: int, cache: Path, silent_registry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pgplat killed while npm hangs on the registry leaves no npm behind."""
    monkeypatch.setenv("npm_config_registry", silent_registry)
    pgplat = subprocess.Popen(
        [sys.executable, "-c", _INSTALL], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_for(lambda: [p for p in processes_below(cache) if p != pgplat.pid], 30)
        pgplat.send_signal(signal_number)
        pgplat.wait(timeout=10)
        assert wait_for(lambda: not processes_below(cache), 3), processes_below(cache)
    finally:
        pgplat.kill()
        pgplat.wait()


@pytest.mark.parametrize("value", ["soon", "0", "-5", "nan"])
def test_a_timeout_that_is_not_seconds_is_one_clear_line(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TIMEOUT_VARIABLE, value)
    with pytest.raises(UserError, match=f"^{TIMEOUT_VARIABLE}='{value}' is not a number"):
        timeout()
