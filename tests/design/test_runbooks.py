"""Every `pgplat` command in the README, the docs and the CI example parses with the real
command tree: a renamed command or option fails here, not in a reader's terminal."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from pgplat.commands.app import app

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
RUNBOOKS = sorted((DOCS / "runbooks").glob("*.md"))
GENERATED = {DOCS / "reference" / "commands.md"}  # made from the tree itself
WORKFLOW = ROOT / "examples" / "ci" / "github-actions.yml"

INLINE = re.compile(r"`((?:\.venv/bin/)?pgplat [^`]+)`")
FENCE = re.compile(r"^\s*(```|~~~)")
PROMPT = re.compile(r"^(?:\$ )?(?:\.venv/bin/)?pgplat ")
PLACEHOLDER = re.compile(r"<[^>]+>|[A-Z][A-Z_]+")
SHELL_BREAKS = {"|", "||", "&&", ";", "&"}


def markdown_files() -> list[Path]:
    found = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    return [p for p in found if p not in GENERATED]


def _code_lines(text: str) -> Iterator[str]:
    """Lines of fenced and indented code blocks."""
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif fenced or line.startswith("    "):
            yield line.strip()


def commands_in(text: str) -> Iterator[str]:
    """Every `pgplat ...` command a Markdown text names, inline or in a code block."""
    for match in INLINE.finditer(text):
        yield match.group(1).replace("\n", " ")
    for line in _code_lines(text):
        if PROMPT.match(line):
            yield line.removeprefix("$ ")


def mentioned() -> list[tuple[str, str]]:
    found = [
        (str(path.relative_to(ROOT)), command)
        for path in markdown_files()
        for command in commands_in(path.read_text(encoding="utf-8"))
    ]
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            found += [
                (WORKFLOW.name, line.strip())
                for line in step.get("run", "").splitlines()
                if PROMPT.match(line.strip())
            ]
    return found


def words(command: str) -> list[str]:
    """The arguments after ``pgplat``, as a shell reads them, up to a pipe or redirect."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|&;")
    lexer.whitespace_split = True
    tokens = list(lexer)
    end = next((i for i, t in enumerate(tokens) if t in SHELL_BREAKS), len(tokens))
    return tokens[1:end]


class Refused(Exception):
    """The command tree has no such command or option."""


@cache
def cli() -> Any:
    return typer.main.get_command(app)


def parse(args: list[str]) -> str:
    """Parse ``args`` as `pgplat` would, down to the last subcommand, and return its path.
    Refused: an unknown command, an unknown, hidden or former option, a bad value. Prose may
    name a command without its required options, or a group alone, and write placeholders
    (``<n>``, ``FILE``) for values."""
    command = cli()
    try:
        ctx = command.make_context("pgplat", list(args))
        while isinstance(command, typer.core.TyperGroup):
            _refuse_hidden(ctx, args)
            rest = [*ctx._protected_args, *ctx.args]
            if not rest:
                break
            name, command, rest = command.resolve_command(ctx, rest)
            ctx = command.make_context(name, rest, parent=ctx)
    except typer.BadParameter.__mro__[1] as error:  # click's UsageError
        if not _tolerated(error, args):
            raise Refused(error.format_message() or type(error).__name__) from error
        return " ".join(["pgplat", *args])
    _refuse_hidden(ctx, args)
    return str(ctx.command_path)


def _tolerated(error: Exception, args: list[str]) -> bool:
    kind = type(error).__name__
    if kind in {"MissingParameter", "NoArgsIsHelpError"}:
        return True
    return kind == "BadParameter" and any(PLACEHOLDER.fullmatch(a) for a in args)


def _refuse_hidden(ctx: Any, args: list[str]) -> None:
    """Docs teach the current spelling: no hidden option, no former name (an alias)."""
    command = ctx.command
    for param in command.params:
        source = ctx.get_parameter_source(param.name)
        if getattr(param, "hidden", False) and source is not None and source.name == "COMMANDLINE":
            raise Refused(f"{ctx.command_path}: {param.opts[0]} is hidden (kept for old scripts)")
    former = getattr(command.callback, "hidden_aliases", {})
    for arg in args:
        if arg.partition("=")[0] in former:
            raise Refused(f"{ctx.command_path}: {arg} is a former name, now {former[arg]}")


def test_the_sources_name_commands() -> None:
    """The collector finds commands in every kind of place they are written."""
    by_source = {source for source, _ in mentioned()}
    assert {"README.md", WORKFLOW.name, "docs/runbooks/failover.md"} <= by_source
    text = (
        "run `pgplat dev up`, then\n\n    pgplat dev url  # the URL\n\n```sh\n$ pgplat down\n```\n"
    )
    assert list(commands_in(text)) == ["pgplat dev up", "pgplat dev url  # the URL", "pgplat down"]


@pytest.mark.parametrize(
    "command",
    ["pgplat no-such-command", "pgplat check --no-such-option", "pgplat dev up --frobnicate 3"],
)
def test_a_wrong_command_or_option_is_caught(command: str) -> None:
    with pytest.raises(Refused):
        parse(words(command))


def test_every_runbook_is_listed_and_names_commands() -> None:
    index = (RUNBOOKS[0].parent / "README.md").read_text(encoding="utf-8")
    for path in RUNBOOKS:
        if path.name != "README.md":
            assert f"]({path.name})" in index
            assert INLINE.search(path.read_text(encoding="utf-8")), path.name


@pytest.mark.parametrize(("source", "command"), mentioned())
def test_command_parses(source: str, command: str) -> None:
    try:
        parse(words(command))
    except (typer.Exit, SystemExit):  # an eager option such as --version: it exists
        pass
    except Refused as error:
        pytest.fail(f"{source}: `{command}`: {error}")
