"""cfn-lint on every template: the CloudFormation resource specification, valid engine
versions and instance classes, and template-level mistakes no rule of ours looks for.

``cfn_lint_ignores.yaml`` beside this module lists the rules pgplat deliberately does not
enforce, each with its reason; every other error or warning is a finding. `pgplat synth
--lint` prints the findings; `pgplat check` reports them as its cfn-lint layer, and the
ignored rules as acknowledgements.

Each template is linted on its own (the findings of one depend on its bytes, its region, the
ignore list and cfn-lint's version alone), so results are cached per template and the
templates not in the cache are spread over the machine's cores by :class:`Linter`, whose
workers load cfn-lint's rules once (one to two seconds) and fork from there. This process
imports cfn-lint only to lint a template itself (:func:`lint_template`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from pgplat.policy.assembly import Assembly, Stack
from pgplat.policy.cache import ResultCache, key_of, versions
from pgplat.policy.findings import Finding, Severity
from pgplat.policy.lint_child import IGNORE_FILE, LintMatch, ignored_rules, lint_file
from pgplat.policy.report import Acknowledged, LayerResult
from pgplat.processes import child

MAX_WORKERS = 4
"""cfn-lint workers at most, on a machine with more cores: each holds its own copy of what it
touches of cfn-lint's rules and schemas, and a synthesis spends its lint time in one or two
big data templates, which one worker each can take."""
_SEVERITY: dict[str, Severity] = {"error": "error", "warning": "warning"}


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


def lint_template(stack: str, template: Path, region: str) -> list[LintFinding]:
    """Findings in one template, linted for the region it deploys to."""
    return [LintFinding(stack, match) for match in lint_file(template, region)]


def lint_stacks(
    assembly: Assembly, default_region: str, cache: ResultCache | None = None
) -> list[LintFinding]:
    """Findings across every stack (``default_region`` where the assembly names none): from
    ``cache`` for a template linted before, the others linted in parallel."""
    with Linter(cache or ResultCache(None), default_region) as linter:
        linter.lint(assembly.stacks)
        return linter.findings(assembly.stacks)


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


class Template(Protocol):
    """A stack's template to lint (a synthesized stack, or one of an assembly on disk)."""

    @property
    def name(self) -> str: ...
    @property
    def template_path(self) -> Path: ...
    @property
    def region(self) -> str | None: ...


class Linter:
    """cfn-lint over templates as they are written, on every core.

    Its workers (:mod:`pgplat.policy.lint_child`, one per core, at most ``MAX_WORKERS``)
    start with :meth:`start`, or with the first template to lint. They load cfn-lint's rules
    once (one to two seconds) and fork from there: started before a synthesis, they are
    ready when its first environment's templates are handed to :meth:`lint`, and lint them
    while the next one synthesizes. A free worker takes the biggest template waiting. Each
    template's matches go into ``cache`` under :func:`template_key`, so a template linted
    before is not linted again. The workers are pgplat's children (:mod:`pgplat.processes`),
    killed when the linter's block ends, a Ctrl-C included.
    """

    def __init__(self, cache: ResultCache, default_region: str) -> None:
        self._cache = cache
        self._region = default_region
        self._versions = versions()
        self._queue: queue.PriorityQueue[tuple[float, int, str, str, str]] = queue.PriorityQueue()
        self._keys: dict[tuple[Path, str], str] = {}
        self._due: set[str] = set()
        self._found: dict[str, list[dict[str, Any]]] = {}
        self._failures: list[str] = []
        self._workers = contextlib.ExitStack()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Linter:
        return self

    def __exit__(self, *exc: object) -> None:
        for _ in self._threads:
            self._queue.put((math.inf, 0, "", "", ""))
        self._workers.close()

    def start(self) -> None:
        """Start the workers now (they load cfn-lint's rules while the caller goes on)."""
        if self._threads:
            return
        count = min(os.cpu_count() or 1, MAX_WORKERS)
        pipes = [(os.pipe(), os.pipe()) for _ in range(count)]
        theirs = [(jobs[0], answers[1]) for jobs, answers in pipes]
        # entered first, closed last: the workers are killed before their pipes are closed
        channels = [
            (jobs[1], self._workers.enter_context(os.fdopen(answers[0]))) for jobs, answers in pipes
        ]
        for jobs, _ in channels:  # written unbuffered: nothing is left to flush into a dead pipe
            self._workers.callback(os.close, jobs)
        # the workers' output and errors, read back when one fails
        errors = self._workers.enter_context(tempfile.TemporaryFile("w+"))  # noqa: SIM115
        try:
            self._workers.enter_context(
                child(
                    [sys.executable, "-m", "pgplat.policy.lint_child"]
                    + [f"{jobs},{answers}" for jobs, answers in theirs],
                    stdin=subprocess.DEVNULL,
                    stdout=errors,
                    stderr=errors,
                    pass_fds=[fd for pair in theirs for fd in pair],
                )
            )
        finally:
            for fd in (fd for pair in theirs for fd in pair):
                os.close(fd)
        for jobs_file, answers_file in channels:
            thread = threading.Thread(
                target=self._serve,
                args=(jobs_file, answers_file, errors),
                name="pgplat-cfn-lint",
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()

    def lint(self, stacks: Iterable[Template]) -> None:
        """Queue the templates of ``stacks`` not in the cache nor queued already, the
        biggest first (a free worker takes one as soon as it is queued)."""
        sized = [(stack.template_path.stat().st_size, stack) for stack in stacks]
        for size, stack in sorted(sized, key=lambda sized: -sized[0]):
            key = self._key(stack)
            if key in self._due or self._cache.get(key) is not None:
                continue
            self._due.add(key)
            region = stack.region or self._region
            self._queue.put((-size, len(self._due), key, str(stack.template_path), region))
        if self._due:
            self.start()

    def findings(self, stacks: Iterable[Template]) -> list[LintFinding]:
        """The findings of ``stacks`` (each linted or queued before), once all are linted."""
        self._queue.join()
        if self._failures:
            raise RuntimeError(f"cfn-lint failed: {self._failures[0]}")
        for key, linted in self._found.items():
            self._cache.put(key, linted)
        found: list[LintFinding] = []
        for stack in stacks:
            matches = self._cache.get(self._key(stack))
            if matches is None:
                raise RuntimeError(f"{stack.name} was not handed to Linter.lint before findings")
            found.extend(LintFinding(stack.name, _from_json(m)) for m in matches)
        return found

    def _key(self, stack: Template) -> str:
        """The stack's :func:`template_key`, hashed once per template and region."""
        place = (stack.template_path, stack.region or self._region)
        if place not in self._keys:
            self._keys[place] = template_key(*place, self._versions)
        return self._keys[place]

    def _serve(self, jobs: int, answers: IO[str], errors: IO[str]) -> None:
        """Hand one worker one template at a time until the linter's block ends."""
        while True:
            _, _, key, path, region = self._queue.get()
            if not key:
                return
            try:
                if self._failures:
                    continue
                os.write(jobs, (json.dumps([path, region]) + "\n").encode())
                reply = answers.readline()
                if not reply:
                    errors.seek(0)
                    self._failures.append(errors.read().strip()[-2000:] or "a worker stopped")
                    continue
                self._found[key] = json.loads(reply)  # as the cache keeps them
            except (OSError, ValueError) as exc:  # the worker is gone: killed, or crashed
                self._failures.append(str(exc))
            finally:
                self._queue.task_done()


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
