"""Every problem of a configuration at once: validators collect instead of stopping at the first.

A cross-field validator adds each problem it finds to a ``Problems`` and raises them together
as one pydantic ``ValidationError`` (one line error per problem, at its own field path), which
the loader turns into one ``FILE:LINE: field: message`` line each. Pydantic skips a model's
cross-field checks once one of its fields is invalid; ``salvage`` validates a section again
with the broken fields left out (their defaults stand in), so those checks still run.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError, ValidatorFunctionWrapHandler, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from pgplat.config.errors import FieldError, Path

M = TypeVar("M", bound=BaseModel)


class Problems:
    """The problems one validator found, each at a field path relative to the validated model."""

    def __init__(self) -> None:
        self.found: list[InitErrorDetails] = []

    def add(self, path: Path, message: str, value: Any = None) -> None:
        self.found.append(
            {
                "type": "value_error",
                "loc": path,
                "input": value,
                "ctx": {"error": ValueError(message)},
            }
        )

    def raise_found(self, title: str, earlier: Iterable[InitErrorDetails] = ()) -> None:
        """Raise every problem (after ``earlier`` ones, each once) as one ValidationError."""
        errors = list(earlier)
        seen = {_identity(e) for e in errors}
        errors += [p for p in self.found if _identity(p) not in seen]
        if errors:
            raise ValidationError.from_exception_data(title, errors)


def _identity(error: InitErrorDetails) -> tuple[Any, str]:
    return tuple(error["loc"]), str(error.get("ctx", {}).get("error"))


RawCheck = Callable[[dict[str, Any], Problems], None]
"""A rule over the raw mapping a model is validated from, adding what it finds."""


def reported_beside(check: RawCheck, *, on_success: bool = True) -> Any:
    """A model's wrap validator: ``check``'s problems are reported beside the model's own
    errors (and, ``on_success``, also when it has none); assign it in the class body."""

    def validate(cls: type[BaseModel], data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _validate_beside(data, handler, cls.__name__, check, on_success=on_success)

    return model_validator(mode="wrap")(classmethod(validate))  # type: ignore[arg-type]


def _validate_beside(
    data: Any,
    handler: ValidatorFunctionWrapHandler,
    title: str,
    check: RawCheck,
    *,
    on_success: bool,
) -> Any:
    problems = Problems()
    try:
        model = handler(data)
    except ValidationError as exc:
        if not isinstance(data, dict):
            raise
        check(data, problems)
        problems.raise_found(title, details(exc))
        raise
    if on_success and isinstance(data, dict):
        check(data, problems)
        problems.raise_found(title)
    return model


def details(exc: ValidationError) -> list[InitErrorDetails]:
    """A ValidationError's errors as they can be raised again, together with new ones."""
    out: list[InitErrorDetails] = []
    for error in exc.errors():
        loc, value = tuple(error["loc"]), error["input"]
        if error["type"] == "value_error":
            out.append({"type": "value_error", "loc": loc, "input": value, "ctx": error["ctx"]})
        else:  # the message is already rendered: carry it and the type name as they are
            # (without a context pydantic formats nothing, so braces stay as written)
            kind = PydanticCustomError(error["type"], error["msg"])
            out.append({"type": kind, "loc": loc, "input": value})
    return out


def broken_paths(exc: ValidationError) -> list[Path]:
    """The mapping keys that hold the errors (a list as a whole): what to leave out."""
    paths: list[Path] = []
    for error in exc.errors():
        loc: Path = tuple(error["loc"])
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, FieldError):
            loc = (*loc, *cause.path)
        first_index = next((i for i, p in enumerate(loc) if isinstance(p, int)), len(loc))
        paths.append(loc[:first_index])
    return paths


def _without(data: Any, path: Path) -> None:
    target = data
    for part in path[:-1]:
        if not isinstance(target, dict) or part not in target:
            return
        target = target[part]
    if path and isinstance(target, dict):
        target.pop(path[-1], None)


def _touches(path: Path, protected: Iterable[Path]) -> bool:
    return any(path[: len(p)] == p or p[: len(path)] == path for p in protected)


def salvage(model: type[M], data: Any, protected: Iterable[Path] = (), rounds: int = 3) -> M | None:
    """``data`` validated with its broken fields left out, or None if that does not help.

    A broken field in ``protected`` (what the cross-field rules read) gives None too: a rule
    must never judge the default that stands in for what the user wrote.
    """
    if not isinstance(data, dict):
        return None
    keep = tuple(protected)
    trimmed = copy.deepcopy(data)
    for _ in range(rounds):
        try:
            return model.model_validate(trimmed)
        except ValidationError as exc:
            paths = broken_paths(exc)
        if any(not p or _touches(p, keep) for p in paths):
            return None
        for path in paths:
            _without(trimmed, path)
    return None
