"""The configuration's notices (engine support dates): said once per run, the environments
folded into one line, and only by the commands where a platform engineer acts on them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from typer._click import Context

NOTICED_COMMANDS = frozenset(
    {"config validate", "config explain", "synth", "check", "up", "deploy", "advise"}
)
"""Where the notices matter; an application developer's commands (dev, sql, k8s, certs…) and
the rest stay quiet about them."""

_PER_ENVIRONMENT = re.compile(r"environments\.(?P<env>[^:\s]+): (?P<fact>.+); (?P<advice>[^;]+)")
"""``environments.prod: PostgreSQL 14 reached …; plan a major upgrade …``"""
_MAJOR = re.compile(r"(?P<major>PostgreSQL \d+) ")


def command_name(ctx: typer.Context) -> str:
    """The command as typed after ``pgplat`` (``config validate``), whatever the program name."""
    names: list[str] = []
    level: Context = ctx
    while level.parent is not None:
        names.insert(0, level.info_name or "")
        level = level.parent
    return " ".join(names)


def folded(warnings: list[str]) -> list[str]:
    """One line per piece of advice, naming every environment it concerns and every fact
    behind it once; warnings of another shape pass through unchanged."""
    groups: dict[str, tuple[list[str], list[str]]] = {}
    others: list[str] = []
    for warning in warnings:
        match = _PER_ENVIRONMENT.fullmatch(warning)
        if match is None:
            others.append(warning)
            continue
        envs, facts = groups.setdefault(match["advice"], ([], []))
        for item, seen in ((match["env"], envs), (match["fact"], facts)):
            if item not in seen:
                seen.append(item)
    lines = [
        f"environments {', '.join(envs)}: {_joined(facts)}; {advice}"
        for advice, (envs, facts) in groups.items()
    ]
    return lines + [w for i, w in enumerate(others) if w not in others[:i]]


def _joined(facts: list[str]) -> str:
    """Facts about the same major, its name said once: ``PostgreSQL 14 reached …, reaches …``."""
    first = _MAJOR.match(facts[0])
    if first is None or not all(f.startswith(first[0]) for f in facts):
        return "; ".join(facts)
    return first[0] + ", ".join(f.removeprefix(first[0]) for f in facts)
