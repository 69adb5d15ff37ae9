"""Every configuration option is documented where it is declared, default included.

``pgplat config schema`` and ``pgplat config explain`` are generated from the field
declarations, so a field without a description (or one that hides its default) is an
undocumented option.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from pgplat.config.model import PgplatConfig


def _models_in(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models_in(argument)


def _reachable(root: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    pending = [root]
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.append(model)
        for field in model.model_fields.values():
            pending.extend(_models_in(field.annotation))
    return seen


def _fields() -> list[tuple[str, FieldInfo]]:
    return [
        (f"{model.__name__}.{name}", field)
        for model in _reachable(PgplatConfig)
        for name, field in model.model_fields.items()
    ]


def _default(field: FieldInfo) -> object:
    if field.default_factory is not None:
        factory = typing.cast("typing.Callable[[], object]", field.default_factory)
        return factory()
    return field.default


def _spellings(value: object) -> list[str]:
    """Ways a description may state ``value``: as YAML or JSON would write it."""
    if isinstance(value, BaseModel):
        return ["Default: "]
    if value is None:
        return ["Default: none", "Default: null", "Default: unset", "Default: not set"]
    if isinstance(value, bool):
        return [f"Default: {str(value).lower()}"]
    if isinstance(value, float) and value.is_integer():
        return [f"Default: {value:g}", f"Default: {value}"]
    if isinstance(value, str):
        return [f"Default: {value}", f"Default: '{value}'", f'Default: "{value}"']
    if isinstance(value, list | dict) and not value:
        return ["Default: none", "Default: [", "Default: {", "Default: empty"]
    if isinstance(value, list):
        return [f"Default: {json.dumps(value)}", f"Default: [{', '.join(map(str, value))}]"]
    return [f"Default: {value}"]


FIELDS = _fields()


def test_the_walk_reaches_nested_models() -> None:
    names = {name.split(".")[0] for name, _ in FIELDS}
    assert {"AlarmThresholds", "ServerlessV2", "Storage", "KubernetesIdentity", "Waiver"} <= names


@pytest.mark.parametrize(("name", "field"), FIELDS, ids=[name for name, _ in FIELDS])
def test_every_field_is_described_with_its_default(name: str, field: FieldInfo) -> None:
    assert field.description, f"{name} has no description"
    if field.default is PydanticUndefined and field.default_factory is None:
        return
    spellings = _spellings(_default(field))
    assert any(s in field.description for s in spellings), (
        f"{name}: the description does not state the default (one of {spellings!r})"
    )
