"""The runbooks name only `pgplat` commands and options that exist."""

from __future__ import annotations

import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer

from pgplat.commands.app import app

RUNBOOKS = sorted((Path(__file__).resolve().parents[2] / "docs" / "runbooks").glob("*.md"))
COMMAND = re.compile(r"`(pgplat [^`]+)`")


def mentioned() -> list[tuple[str, str]]:
    return [
        (path.name, match.group(1).replace("\n", " "))
        for path in RUNBOOKS
        for match in COMMAND.finditer(path.read_text(encoding="utf-8"))
    ]


@cache
def cli() -> Any:
    return typer.main.get_command(app)


def parameter(command: Any, word: str) -> Any:
    """The option ``word`` (``--name`` or ``--name=value``) names, or None."""
    name = word.split("=")[0]
    return next((p for p in command.params if name in (*p.opts, *p.secondary_opts)), None)


def test_every_runbook_is_listed_and_names_commands() -> None:
    index = (RUNBOOKS[0].parent / "README.md").read_text(encoding="utf-8")
    for path in RUNBOOKS:
        if path.name != "README.md":
            assert f"]({path.name})" in index
            assert COMMAND.search(path.read_text(encoding="utf-8")), path.name


@pytest.mark.parametrize(("runbook", "line"), mentioned())
def test_command_exists(runbook: str, line: str) -> None:
    command = cli()
    words = shlex.split(line)[1:]
    while words and hasattr(command, "commands") and words[0] != "--help":
        word = words[0]
        if word.startswith("-"):
            option = parameter(command, word)
            assert option is not None, f"{runbook}: `{line}`: no option {word}"
            takes_value = not getattr(option, "is_flag", False) and "=" not in word
            words = words[2 if takes_value else 1 :]
            continue
        assert word in command.commands, f"{runbook}: `{line}` names no command {word!r}"
        command, words = command.commands[word], words[1:]
    for word in words:
        if word.startswith("-") and word != "--help":
            assert parameter(command, word) is not None, f"{runbook}: `{line}`: no option {word}"
