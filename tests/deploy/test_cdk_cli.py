"""The pinned AWS CDK CLI installs from its lock file and runs on the bundled Node."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pgplat.deploy import cdk_cli


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
