"""Load pgplat.yaml into the model, turning every problem into file:line: field: message.

The YAML is read by :mod:`pgplat.config.source`, which keeps every field's line and written
text; pydantic's errors are relocated to the line that caused them and every one is kept
(the first error's ``more``), each with a hint that repeats what the user wrote.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError

from pgplat.config.errors import ConfigError, FieldError, Path, abridged
from pgplat.config.model import PgplatConfig
from pgplat.config.source import MAX_DOCUMENT_BYTES, Source, read_source, too_large
from pgplat.errors import UserError

_PYDANTIC_TAG = re.compile(r"^(str|int|float|bool|none|[a-z-]+\[.*\])$")


def _model_at(path: Path) -> type[BaseModel] | None:
    """The model class that declares the fields found at ``path`` (for 'did you mean')."""
    current: Any = PgplatConfig
    for part in path:
        while True:
            origin = typing.get_origin(current)
            if origin in (typing.Union, types.UnionType):
                models = [a for a in typing.get_args(current) if a is not type(None)]
                lists = [m for m in models if typing.get_origin(m) is list]
                current = lists[0] if isinstance(part, int) and lists else models[0]
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


def _message(error: Any, loc: Path, written: str | None) -> str:
    """pydantic's message made actionable; ``written`` is the value's text in the file."""
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
    shown = abridged(written if written and not isinstance(value, str) else repr(value))
    if kind == "string_type" and written and value is not None:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return f"expected text, got {'the number ' if number else ''}{written}; " + (
            f"put it in quotes ('{written}')"
        )
    if kind in ("model_type", "dict_type", "list_type"):
        return f"{msg}; got {type(value).__name__}"
    if "ctx" not in error or "error" not in error["ctx"]:
        return f"{msg} (got {shown})" if not isinstance(value, dict | list) else msg
    if isinstance(value, str) and abridged(value) != value:  # a validator quoting its input
        return str(msg).replace(repr(value), repr(abridged(value)))
    return str(msg)


def _relocate(error: Any) -> Path:
    loc: Path = tuple(
        p for p in error["loc"] if not (isinstance(p, str) and _PYDANTIC_TAG.match(p))
    )
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        loc = (*loc, *cause.path)
    return loc


def _convert(exc: ValidationError, file: str, source: Source) -> ConfigError:
    errors: list[ConfigError] = []
    for error in exc.errors():
        loc = _relocate(error)
        message = _message(error, loc, source.texts.get(loc))
        errors.append(ConfigError(file, source.line(loc), loc, message))
    errors.sort(key=lambda e: e.line or 0)
    first = errors[0]
    first.more = errors[1:]
    return first


def parse_config(text: str, file: str = "<config>") -> PgplatConfig:
    """Validate YAML text; raise ConfigError naming file, line, field path and fix."""
    source = read_source(text, file)
    try:
        return PgplatConfig.model_validate(source.data)
    except ValidationError as exc:
        raise _convert(exc, file, source) from None


def load_config(path: str | FilePath) -> PgplatConfig:
    """Read and validate a configuration file."""
    file = FilePath(path)
    try:
        with file.open("rb") as stream:
            raw = stream.read(MAX_DOCUMENT_BYTES + 1)  # a larger file is refused unread
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise too_large(str(file))
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise UserError(
            f"{file}: no such configuration file; create one with `pgplat init`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{file}: cannot read the configuration file ({exc})") from None
    return parse_config(text, str(file))
