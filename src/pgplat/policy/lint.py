"""cfn-lint on every template: the CloudFormation resource specification, valid engine
versions and instance classes, and template-level mistakes no rule of ours looks for.

``cfn_lint_ignores.yaml`` beside this module lists the rules pgplat deliberately does not
enforce, each with its reason; every other error or warning is a finding. `pgplat synth
--lint` prints the findings; `pgplat check` reports them as its cfn-lint layer, and the
ignored rules as acknowledgements.

Each template is linted on its own (the findings of one depend on its bytes, its region, the
ignore list and cfn-lint's version alone), so results are cached per template and the
templates not in the cache are spread over the machine's cores. cfn-lint loads its rules
once per process (about a second) and is imported only when a template needs linting.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from pgplat.policy.assembly import Assembly, Stack
from pgplat.policy.cache import ResultCache, key_of, versions
from pgplat.policy.findings import Finding, Severity
from pgplat.policy.report import Acknowledged, LayerResult
from pgplat.processes import run_captured

if TYPE_CHECKING:
    from cfnlint.rules import Match, RulesCollection

IGNORE_FILE = Path(__file__).with_name("cfn_lint_ignores.yaml")
_SEVERITY: dict[str, Severity] = {"error": "error", "warning": "warning"}


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


@dataclass(frozen=True)
class LintFinding:
    """One cfn-lint match in one stack's template."""

    stack: str
    match: LintMatch

    @property
    def rule_id(self) -> str:
        return self.match.rule_id

    def __str__(self) -> str:
        return f"{self.stack}:{self.match.line}: {self.match.rule_id} {self.match.message}"


def ignored_rules() -> dict[str, str]:
    """Rule id -> reason, from the committed ignore list."""
    entries = yaml.safe_load(IGNORE_FILE.read_text())
    return {entry["rule"]: entry["reason"] for entry in entries}


def lint_template(stack: str, template: Path, region: str) -> list[LintFinding]:
    """Findings in one template, linted for the region it deploys to."""
    return [LintFinding(stack, match) for match in _lint_file(str(template), region)]


def lint_stacks(
    assembly: Assembly, default_region: str, cache: ResultCache | None = None
) -> list[LintFinding]:
    """Findings across every stack (``default_region`` where the assembly names none): from
    ``cache`` for a template linted before, the others linted in parallel."""
    cache = cache or ResultCache(None)
    work = [(s.name, str(s.template_path), s.region or default_region) for s in assembly.stacks]
    keys = {name: template_key(Path(path), region, versions()) for name, path, region in work}
    cached = {name: cache.get(keys[name]) for name, _, _ in work}
    todo = [(name, path, region) for name, path, region in work if cached[name] is None]
    fresh = dict(zip((name for name, _, _ in todo), _lint_all(todo), strict=True))
    found: list[LintFinding] = []
    for name, _, _ in work:
        matches = fresh.get(name)
        if matches is None:
            matches = [_from_json(m) for m in cached[name] or []]
        else:
            cache.put(keys[name], [asdict(m) for m in matches])
        found.extend(LintFinding(name, m) for m in matches)
    return found


def lint_assembly(
    assembly: Assembly, default_region: str, cache: ResultCache | None = None
) -> LayerResult:
    """The cfn-lint layer of `pgplat check`: findings, and the ignored rules with their reasons."""
    stacks = {s.name: s for s in assembly.stacks}
    found = lint_stacks(assembly, default_region, cache)
    findings = [_finding(f, stacks[f.stack]) for f in found]
    acknowledged = [
        Acknowledged(rule, reason, "cfn-lint") for rule, reason in ignored_rules().items()
    ]
    return findings, acknowledged


def template_key(template: Path, region: str, versions: Mapping[str, str]) -> str:
    """What one template's findings depend on: its bytes, its region, the ignore list and
    the checks' and linters' ``versions`` (:func:`pgplat.policy.cache.versions`)."""
    return key_of(
        {
            "layer": "cfn-lint",
            "template": hashlib.sha256(template.read_bytes()).hexdigest(),
            "region": region,
            "ignores": IGNORE_FILE.read_text(),
            "versions": dict(versions),
        }
    )


def _lint_all(todo: Sequence[tuple[str, str, str]]) -> list[list[LintMatch]]:
    """The matches of each (stack, template, region), over the cores: one worker process
    per core (:mod:`pgplat.policy.lint_child`), the biggest templates shared out first;
    one template is linted in this process."""
    workers = min(len(todo), os.cpu_count() or 1)
    if workers <= 1:
        return [_lint_file(path, region) for _, path, region in todo]
    shares: list[list[int]] = [[] for _ in range(workers)]
    sizes = [0] * workers
    for i in sorted(range(len(todo)), key=lambda i: -Path(todo[i][1]).stat().st_size):
        lightest = sizes.index(min(sizes))
        shares[lightest].append(i)
        sizes[lightest] += Path(todo[i][1]).stat().st_size
    threads = ThreadPoolExecutor(max_workers=workers)
    try:
        done = list(threads.map(lambda share: _lint_in_child([todo[i] for i in share]), shares))
    finally:  # an interruption is not held up by the workers (they die with pgplat)
        threads.shutdown(wait=False, cancel_futures=True)
    found: dict[int, list[LintMatch]] = {}
    for share, matches in zip(shares, done, strict=True):
        found.update(zip(share, matches, strict=True))
    return [found[i] for i in range(len(todo))]


def _lint_in_child(share: Sequence[tuple[str, str, str]]) -> list[list[LintMatch]]:
    request = json.dumps([[path, region] for _, path, region in share])
    with tempfile.TemporaryDirectory(prefix="pgplat-lint-") as workdir:
        result = Path(workdir) / "result.json"
        done = run_captured(
            [sys.executable, "-m", "pgplat.policy.lint_child", str(result)],
            what="cfn-lint",
            timeout=None,
            stdin=request,
        )
        if done.returncode != 0 or not result.exists():
            raise RuntimeError(f"cfn-lint failed: {done.stderr.strip()[-2000:]}")
        return [[_from_json(m) for m in matches] for matches in json.loads(result.read_text())]


@functools.cache
def _rules() -> RulesCollection:
    """cfn-lint's rules, loaded once per process."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn([])).rules


def _lint_file(template: str, region: str) -> list[LintMatch]:
    """cfn-lint's matches in one template file, as plain data."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner.template.runner import run_template_by_file_path

    config = ConfigMixIn([], regions=[region], ignore_checks=sorted(ignored_rules()))
    matches = run_template_by_file_path(template, config, _rules(), ignore_bad_template=False)
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


def _from_json(data: Mapping[str, Any]) -> LintMatch:
    return LintMatch(**{**data, "path": tuple(data["path"])})


def _finding(lint: LintFinding, stack: Stack) -> Finding:
    match = lint.match
    path = match.path
    logical_id = str(path[1]) if len(path) > 1 and path[0] == "Resources" else None
    where = "/".join(str(p) for p in path[2:])
    return Finding(
        rule_id=match.rule_id,
        severity=_SEVERITY.get(match.severity, "info"),
        title=match.title,
        message=f"{match.message} (at {where or 'template'}, line {match.line})",
        environment=stack.environment,
        stack=stack.name,
        logical_id=logical_id,
        fix=f"See {match.source_url}" if match.source_url else "",
        layer="cfn-lint",
    )
