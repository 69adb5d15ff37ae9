"""Load pgplat.yaml into the model, turning every problem into file:line: field: message.

YAML is read by ruamel.yaml, which speaks YAML 1.2 (``18:00`` and ``no`` stay strings,
``014`` is fourteen) and merge keys, and keeps every node's position: duplicate keys are
errors, and pydantic's errors are relocated to the line that caused them.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode
from ruamel.yaml.reader import ReaderError

from pgplat.config.errors import ConfigError, FieldError, Path
from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError

_PYDANTIC_TAG = re.compile(r"^(str|int|float|bool|none|[a-z-]+\[.*\])$")
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _line_map(node: Node, file: str) -> dict[Path, int]:
    """Line (1-based) of every key and list item, by field path; rejects duplicate keys.

    A merge key (``<<: *base``) is not a field: the keys it brings in take the line of
    the mapping that merges them, and an explicit key may override a merged one.
    """
    lines: dict[Path, int] = {(): node.start_mark.line + 1}

    def walk(n: Node, path: Path) -> None:
        if isinstance(n, MappingNode):
            seen: set[str] = set()
            for key_node, value_node in n.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = str(key_node.value)
                child = (*path, key)
                if key in seen:
                    raise ConfigError(
                        file,
                        key_node.start_mark.line + 1,
                        child,
                        "key appears twice in the same mapping; keep one",
                    )
                seen.add(key)
                lines[child] = key_node.start_mark.line + 1
                walk(value_node, child)
        elif isinstance(n, SequenceNode):
            for i, item in enumerate(n.value):
                lines[(*path, i)] = item.start_mark.line + 1
                walk(item, (*path, i))

    walk(node, ())
    return lines


def _model_at(path: Path) -> type[BaseModel] | None:
    """The model class that declares the fields found at ``path`` (for 'did you mean')."""
    current: Any = PgplatConfig
    for part in path:
        while True:
            origin = typing.get_origin(current)
            if origin in (typing.Union, types.UnionType):
                models = [a for a in typing.get_args(current) if a is not type(None)]
                current = models[0]
            elif origin is typing.Annotated:
                current = typing.get_args(current)[0]
            elif isinstance(part, int) and origin is list:
                current = typing.get_args(current)[0]
                break
            elif isinstance(current, type) and issubclass(current, BaseModel):
                field = current.model_fields.get(str(part))
                if field is None:
                    return None
                current = field.annotation
                break
            else:
                return None
    while typing.get_origin(current) in (typing.Union, types.UnionType):
        current = next(a for a in typing.get_args(current) if a is not type(None))
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _message(error: Any, loc: Path) -> str:
    kind, msg, value = error["type"], error["msg"], error.get("input")
    if kind == "missing":
        return "required field is missing; add it (see `pgplat config schema`)"
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        known = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
        return f"unknown key; {hint}"
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "string_type" and isinstance(value, int | float):
        return f"expected text, got the number {value}; put it in quotes ('{value}')"
    if kind in ("model_type", "dict_type", "list_type"):
        return f"{msg}; got {type(value).__name__}"
    if "ctx" not in error or "error" not in error["ctx"]:
        return f"{msg} (got {value!r})" if not isinstance(value, dict | list) else msg
    return str(msg)


def _relocate(error: Any) -> Path:
    loc: Path = tuple(
        p for p in error["loc"] if not (isinstance(p, str) and _PYDANTIC_TAG.match(p))
    )
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        loc = (*loc, *cause.path)
    return loc


def _line_for(lines: dict[Path, int], path: Path) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _convert(exc: ValidationError, file: str, lines: dict[Path, int]) -> ConfigError:
    errors: list[ConfigError] = []
    for error in exc.errors():
        loc = _relocate(error)
        errors.append(ConfigError(file, _line_for(lines, loc), loc, _message(error, loc)))
    errors.sort(key=lambda e: e.line or 0)
    first = errors[0]
    first.more = errors[1:]
    return first


def _read_yaml(text: str, file: str) -> tuple[dict[Path, int], Any]:
    """Compose once: the node tree gives line numbers, constructing it gives the data.

    Duplicate keys are found on the node tree, with pgplat's message, before ruamel's
    constructor would refuse them with its own.
    """
    yaml = YAML(typ="safe", pure=True)  # plain dicts, lists and scalars; no Python tags
    try:
        node = yaml.compose(text)
        if not isinstance(node, MappingNode):
            raise ConfigError(
                file, 1, (), "the file must be a YAML mapping; start from `pgplat init`"
            )
        lines = _line_map(node, file)
        return lines, yaml.constructor.construct_document(node)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(file, line, (), f"not valid YAML: {exc.problem}") from None
    except ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ConfigError(
            file, line, (), f"not valid YAML: character {exc.character:#x} is not allowed"
        ) from None


def parse_config(text: str, file: str = "<config>") -> PgplatConfig:
    """Validate YAML text; raise ConfigError naming file, line, field path and fix."""
    lines, data = _read_yaml(text, file)
    try:
        return PgplatConfig.model_validate(data)
    except ValidationError as exc:
        raise _convert(exc, file, lines) from None


def load_config(path: str | FilePath) -> PgplatConfig:
    """Read and validate a configuration file."""
    file = FilePath(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            f"{file}: no such configuration file; create one with `pgplat init`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{file}: cannot read the configuration file ({exc})") from None
    return parse_config(text, str(file))
