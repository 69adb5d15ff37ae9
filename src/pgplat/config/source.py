"""Read the YAML of pgplat.yaml safely, keeping where every field was written and how.

ruamel.yaml reads YAML 1.2 (``18:00`` and ``no`` stay text, ``014`` is fourteen) with merge
keys. A document is refused before it can cost much: above :data:`MAX_DOCUMENT_BYTES`, nested
deeper than :data:`MAX_DEPTH`, expanding through aliases to more than :data:`MAX_NODES` values
(a "billion laughs"), an anchor used inside itself, or a number longer than
:data:`MAX_NUMBER_DIGITS`. The line and the original text of every field are kept so that
messages point at the line and repeat the user's own digits (``001227133513``, ``14.10``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scanner import Scanner, ScannerError

from pgplat.config.errors import ConfigError, Path, abridged

MAX_DOCUMENT_BYTES = 1024 * 1024
"""A configuration file is at most 1 MiB; the shipped examples are under 5 KiB."""
MAX_DEPTH = 64
"""Mappings and lists nest at most 64 deep (aliases included); pgplat's own model nests 8."""
MAX_NODES = 10_000
"""At most 10,000 values once aliases are expanded; a large real configuration has ~1,000."""
MAX_NUMBER_DIGITS = 100
"""No setting takes a number longer than this; longer ones are refused before conversion."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_YAML_DIRECTIVE = re.compile(r"^%YAML[ \t]+(?P<version>[^\s#]*)", re.MULTILINE)
_TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels; flatten it"
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


@dataclass(frozen=True)
class Source:
    """The data of a YAML document, with the line and written text of each field path."""

    data: Any
    lines: dict[Path, int]
    texts: dict[Path, str]
    """The characters of each plain (unquoted) scalar as the user wrote them."""

    def line(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest written ancestor."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


class _FlowBoundedScanner(Scanner):
    """Stops at the ``[``/``{`` that nests deeper than :data:`MAX_DEPTH`: ruamel's scanner
    costs the square of the flow depth, so 5,000 ``[`` would take seconds to refuse."""

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise ScannerError(None, None, _TOO_DEEP, self.reader.get_mark())
        super().fetch_flow_collection_start(TokenClass, to_push)


class _Walk:
    """One pass over the composed node tree: positions, texts and every limit but size."""

    def __init__(self, yaml: YAML, file: str) -> None:
        self.yaml, self.file = yaml, file
        self.lines: dict[Path, int] = {}
        self.texts: dict[Path, str] = {}
        self.nodes = 0
        self.open: set[int] = set()

    def fail(self, node: Node, path: Path, message: str) -> ConfigError:
        return ConfigError(self.file, node.start_mark.line + 1, path, message)

    def visit(self, node: Node, path: Path) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(
                node,
                path,
                f"aliases expand the file to more than {MAX_NODES:,} values (an alias bomb?); "
                "write the values out or use fewer nested aliases",
            )
        if len(path) > MAX_DEPTH:
            raise self.fail(node, path, _TOO_DEEP)
        if id(node) in self.open:
            raise self.fail(
                node,
                path,
                f"the alias *{node.anchor} is used inside its own anchor &{node.anchor}; "
                "an anchor cannot contain itself",
            )
        self.open.add(id(node))
        if isinstance(node, MappingNode):
            self.mapping(node, path)
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                self.lines[(*path, i)] = item.start_mark.line + 1
                self.visit(item, (*path, i))
        elif isinstance(node, ScalarNode):
            self.scalar(node, path)
        self.open.discard(id(node))

    def mapping(self, node: MappingNode, path: Path) -> None:
        """Rejects duplicate and non-text keys; a merge key (``<<: *base``) is not a field:
        the keys it brings in take the line of the mapping, and explicit keys override them."""
        seen: set[str] = set()
        merges = [value for key, value in node.value if key.tag == _MERGE_TAG]
        for merged in merges:
            self.merge(merged, path)
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, path, "a key must be plain text, not a list or mapping")
            key = str(key_node.value)
            child = (*path, key)
            if key in seen:
                raise self.fail(key_node, child, "key appears twice in the same mapping; keep one")
            seen.add(key)
            self.lines[child] = key_node.start_mark.line + 1
            self.visit(value_node, child)

    def merge(self, node: Node, path: Path) -> None:
        """``<<: *base`` or ``<<: [*a, *b]``: the merged keys belong to ``path``; the first
        mapping listed wins, so it is visited last."""
        if isinstance(node, SequenceNode):
            self.nodes += 1
            for item in reversed(node.value):
                self.visit(item, path)
        else:
            self.visit(node, path)

    def scalar(self, node: ScalarNode, path: Path) -> None:
        """Constructs the scalar now, so a value its tag cannot read is refused at its field."""
        text = str(node.value)
        if node.style is None:
            self.texts[path] = text
        if node.tag in _NUMBER_TAGS and len(text) > MAX_NUMBER_DIGITS:
            raise self.fail(
                node,
                path,
                f"a number of {len(text):,} characters is longer than any setting takes "
                f"(at most {MAX_NUMBER_DIGITS}); check the value",
            )
        try:
            self.yaml.constructor.construct_object(node)
        except (ValueError, LookupError, ArithmeticError):
            kind = str(node.tag).rpartition(":")[2]
            raise self.fail(
                node, path, f"{abridged(text)!r} cannot be read as {kind}; fix the value or its tag"
            ) from None


def _line(exc: MarkedYAMLError) -> int | None:
    return exc.problem_mark.line + 1 if exc.problem_mark else None


def _invalid(exc: MarkedYAMLError, file: str) -> ConfigError:
    return ConfigError(file, _line(exc), (), f"not valid YAML: {exc.problem}")


def _compose(yaml: YAML, text: str, file: str) -> MappingNode:
    for directive in _YAML_DIRECTIVE.finditer(text):
        if directive["version"] != "1.2":  # ruamel would read 1.1's octals (or assert on 1.0)
            line = text[: directive.start()].count("\n") + 1
            raise ConfigError(
                file,
                line,
                (),
                "pgplat reads YAML 1.2 (014 is fourteen, `no` is text); remove the %YAML directive",
            )
    try:
        node = yaml.compose(text)
    except (MaxDepthExceededError, ScannerError) as exc:
        if exc.problem != _TOO_DEEP and not isinstance(exc, MaxDepthExceededError):
            raise _invalid(exc, file) from None
        raise ConfigError(file, _line(exc), (), _TOO_DEEP) from None
    except MarkedYAMLError as exc:
        raise _invalid(exc, file) from None
    except ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ConfigError(
            file, line, (), f"not valid YAML: character {exc.character:#x} is not allowed"
        ) from None
    if not isinstance(node, MappingNode):
        raise ConfigError(file, 1, (), "the file must be a YAML mapping; start from `pgplat init`")
    return node


def too_large(file: str) -> ConfigError:
    """The refusal of a document above :data:`MAX_DOCUMENT_BYTES`."""
    return ConfigError(
        file,
        None,
        (),
        f"the file is larger than {MAX_DOCUMENT_BYTES // 1024} KiB; "
        "a pgplat configuration is a few KiB",
    )


def read_source(text: str, file: str) -> Source:
    """Compose once: the node tree gives lines, texts and limits, constructing it the data."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
        raise too_large(file)
    yaml = YAML(typ="safe", pure=True)  # plain dicts, lists and scalars; no Python tags
    yaml.max_depth = MAX_DEPTH
    yaml.Scanner = _FlowBoundedScanner
    yaml.composer.warn_double_anchors = False  # a reused anchor name is valid YAML
    node = _compose(yaml, text, file)
    walk = _Walk(yaml, file)
    walk.lines[()] = node.start_mark.line + 1
    try:
        walk.visit(node, ())
        data = yaml.constructor.construct_document(node)
    except MarkedYAMLError as exc:
        raise _invalid(exc, file) from None
    return Source(data, walk.lines, walk.texts)
