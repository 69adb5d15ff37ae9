"""cfn-lint itself, as :class:`pgplat.policy.lint.Linter`'s workers run it.

``python -m pgplat.policy.lint_child JOBS,ANSWERS [JOBS,ANSWERS …]`` loads cfn-lint's rules
once (about two seconds, most of a worker's cost) and installs
:mod:`pgplat.policy.lint_speedups` (the same findings, faster), then forks one worker per
further pair of pipe descriptors, which shares the loaded rules instead of loading them again.
Each worker reads one template per line of its ``JOBS`` pipe (``[path, region]``) and answers
on its ``ANSWERS`` pipe with one line: the template's matches, as JSON. It stops at the end of
its jobs.

The first worker is a child of pgplat's own (:mod:`pgplat.processes`): in a process group of
its own, which the forked workers share, so a Ctrl-C reaches pgplat alone and the group is
killed with pgplat; each forked worker also dies with the first. This module imports nothing
of pgplat's configuration or checks: a worker loads only cfn-lint.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pgplat.collector import tune_for_short_lived_process
from pgplat.policy import lint_speedups
from pgplat.processes import die_with_parent_hook

if TYPE_CHECKING:
    from cfnlint.rules import Match, RulesCollection

IGNORE_FILE = Path(__file__).with_name("cfn_lint_ignores.yaml")


@dataclass(frozen=True)
class LintMatch:
    """One cfn-lint match as plain data (so it crosses processes and sits in the cache)."""

    rule_id: str
    severity: str
    title: str
    message: str
    line: int
    path: tuple[str | int, ...]
    source_url: str


def ignored_rules() -> dict[str, str]:
    """Rule id -> reason, from the committed ignore list."""
    import yaml  # not for a check whose layers are all cached

    entries = yaml.safe_load(IGNORE_FILE.read_text())
    return {entry["rule"]: entry["reason"] for entry in entries}


@functools.cache
def load_rules() -> RulesCollection:
    """cfn-lint's rules, loaded once per process."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn([])).rules


def lint_file(template: Path, region: str) -> list[LintMatch]:
    """cfn-lint's matches in one template file, linted for ``region``, as plain data."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner.template.runner import run_template_by_file_path

    config = ConfigMixIn([], regions=[region], ignore_checks=sorted(ignored_rules()))
    matches = run_template_by_file_path(
        str(template), config, load_rules(), ignore_bad_template=False
    )
    return [_plain(m) for m in matches]


def _plain(match: Match) -> LintMatch:
    """Exact str and int: cfn-lint's values are its template-node subclasses, which no other
    process can unpickle (a worker's match would crash the check)."""
    return LintMatch(
        rule_id=str(match.rule.id),
        severity=str(match.rule.severity),
        title=str(match.rule.shortdesc),
        message=str(match.message),
        line=int(match.linenumber),
        path=tuple(p if isinstance(p, int) else str(p) for p in match.path or ()),
        source_url=str(match.rule.source_url or ""),
    )


def _serve(jobs: int, answers: int) -> None:
    """Lint each template named on ``jobs``, answering on ``answers``, until ``jobs`` ends."""
    with os.fdopen(jobs) as requests, os.fdopen(answers, "w") as replies:
        for line in requests:
            path, region = json.loads(line)
            replies.write(json.dumps([asdict(m) for m in lint_file(Path(path), region)]) + "\n")
            replies.flush()


def main() -> None:
    tune_for_short_lived_process()
    pairs = [tuple(int(fd) for fd in arg.split(",")) for arg in sys.argv[1:]]
    lint_speedups.install(load_rules())
    dies_with_first = die_with_parent_hook()
    for jobs, answers in pairs[1:]:
        if os.fork() == 0:
            try:
                if dies_with_first is not None:
                    dies_with_first()
                for fd in {fd for pair in pairs for fd in pair} - {jobs, answers}:
                    os.close(fd)  # another worker's end of file is its own alone
                _serve(jobs, answers)
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        os.close(jobs)
        os.close(answers)
    _serve(*pairs[0])


if __name__ == "__main__":
    main()
