"""A cfn-lint worker (``python -m pgplat.policy.lint_child RESULT``): lints the templates named
on stdin (``[[path, region], …]``) and writes their matches, in order, as JSON to ``RESULT``.

A child process of pgplat's own (:mod:`pgplat.processes`): in a process group of its own, so a
Ctrl-C reaches pgplat alone, which decides what it means, and killed with pgplat.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from pgplat.policy.lint import lint_template


def main() -> None:
    request = json.loads(sys.stdin.read())
    found = [
        [asdict(f.match) for f in lint_template("", Path(path), region)] for path, region in request
    ]
    Path(sys.argv[1]).write_text(json.dumps(found))


if __name__ == "__main__":
    main()
