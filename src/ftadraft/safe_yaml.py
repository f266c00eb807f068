"""Strict loading of YAML written by people we do not control (clause files, draft specs).

One job: turn the bytes of a small YAML file into plain Python data (dicts, lists, strings, numbers,
booleans, None) or refuse it with a :class:`YamlError` that names the file, the line and the problem.
Refused: text that is not UTF-8, tab indentation, any tag (``!!python/object``, ``!custom``, even
``!!str``), anchors and aliases (no "billion laughs"), duplicate keys, non-text keys, impossible dates
(``2025-02-30``), and files, nesting or collections beyond the given limits. Nothing here constructs
objects from tags, so loading cannot reach Python objects.

Mappings and lists come back as :class:`Map` and :class:`Seq` (a ``dict`` and a ``list``) that remember
the line of each key and item, so that later checks can point at the line too. Dates are returned as
ISO text (``"2025-03-14"``).

    >>> data = load(Path("spec.yaml").read_bytes(), "spec.yaml")
    >>> data.lines["date"]
    7
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml  # type: ignore[import-untyped]

from .errors import InputError

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_ITEMS", "Map", "Seq", "YamlError", "load"]

#: Default limits: a clause or spec file is a page or two of text, not a data dump.
MAX_FILE_BYTES = 64 * 1024
MAX_DEPTH = 6
MAX_ITEMS = 50

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class YamlError(InputError):
    """A YAML file that cannot be used: ``FILE:LINE: problem``."""

    def __init__(self, path: object, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}", problem)
        self.path = str(path)
        self.line = line


class Map(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers the line of itself (``line``) and of each key (``lines``), and
    which keys hold a literal block (``|``) value (``literal``; their line is the block's first line)."""

    line: int = 1
    lines: dict[str, int]
    literal: set[str]


class Seq(list):  # type: ignore[type-arg]
    """A YAML sequence that remembers the line of itself (``line``) and of each item (``lines``)."""

    line: int = 1
    lines: list[int]


def load(
    data: bytes,
    where: str,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_depth: int = MAX_DEPTH,
    max_items: int = MAX_ITEMS,
    kind: str = "YAML files here",
) -> Any:
    """Parse ``data`` (the bytes of file ``where``) strictly; see the module docstring.

    ``kind`` names the files in the message refusing a tag ("clause files are plain data"). A mapping
    may hold up to ``2 * max_items`` keys, a list ``max_items`` items. Raises :class:`YamlError`.
    """
    if len(data) > max_bytes:
        raise YamlError(where, 1, f"file is {len(data):,} bytes; the limit is {max_bytes:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(where, line, "not UTF-8 text") from None
    for n, raw in enumerate(text.splitlines(), start=1):
        indent = raw[: len(raw) - len(raw.lstrip(" \t"))]
        if "\t" in indent:
            raise YamlError(where, n, "tab in indentation; indent with spaces")
    if not text.strip():
        raise YamlError(where, 1, "empty file")
    try:
        # Events first: tags and anchors are refused before anything is composed or constructed.
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlError(where, line, "anchors and aliases (&, *) are not allowed")
            tag = getattr(event, "tag", None)
            if tag is not None:
                shown = "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag
                raise YamlError(where, line, f"YAML tag {shown!r} is not allowed; {kind} are plain data")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise YamlError(where, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError(where, 1, f"invalid YAML: {' '.join(str(exc).split())}") from None
    if node is None:
        raise YamlError(where, 1, "empty file")
    return _Converter(where, max_depth, max_items).convert(node, 0)


class _Converter:
    """Composed YAML nodes to :class:`Map`, :class:`Seq` and plain scalars, checking limits and keys."""

    def __init__(self, where: str, max_depth: int, max_items: int) -> None:
        self.where = where
        self.max_depth = max_depth
        self.max_items = max_items
        self.scalars = yaml.SafeLoader("")  # only its construct_object for plain (untagged) scalars

    def fail(self, line: int, problem: str) -> YamlError:
        return YamlError(self.where, line, problem)

    def convert(self, node: yaml.Node, depth: int) -> Any:
        line = node.start_mark.line + 1
        if depth > self.max_depth:
            raise self.fail(line, f"nested deeper than {self.max_depth} levels")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, line, depth)
        if isinstance(node, yaml.SequenceNode):
            if len(node.value) > self.max_items:
                raise self.fail(line, f"more than {self.max_items} items in one list")
            seq = Seq()
            seq.line, seq.lines = line, []
            for item in node.value:
                seq.append(self.convert(item, depth + 1))
                seq.lines.append(item.start_mark.line + 1)
            return seq
        return self._scalar(node, line)

    def _mapping(self, node: yaml.MappingNode, line: int, depth: int) -> Map:
        if len(node.value) > self.max_items * 2:
            raise self.fail(line, f"more than {self.max_items * 2} keys in one mapping")
        out = Map()
        out.line, out.lines, out.literal = line, {}, set()
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise self.fail(key_line, "keys must be plain words")
            key = str(key_node.value)
            if key in out:
                raise self.fail(key_line, f"duplicate key {key!r} (first on line {out.lines[key]})")
            out[key] = self.convert(value_node, depth + 1)
            out.lines[key] = key_line
            if isinstance(value_node, yaml.ScalarNode) and value_node.style == "|":
                out.literal.add(key)
                out.lines[key] = value_node.start_mark.line + 2  # first line of the block's content
        return out

    def _scalar(self, node: yaml.Node, line: int) -> Any:
        try:
            value = self.scalars.construct_object(node)
        except (ValueError, OverflowError) as exc:  # the resolver took it for a date: 2025-02-30, 2025-13-01
            if node.tag == _TIMESTAMP:
                raise self.fail(line, f"{node.value!r} is not a calendar date (YYYY-MM-DD); "
                                      "quote it if it is meant as text") from None
            raise self.fail(line, f"cannot read the value {node.value!r}: {' '.join(str(exc).split())}") from None
        if isinstance(value, date):  # datetime too
            return value.isoformat()
        if isinstance(value, bytes | set):  # pragma: no cover - only reachable through tags, refused above
            raise self.fail(line, "unsupported value")
        return value
