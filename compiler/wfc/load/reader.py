"""The exact reader: YAML text to plain data plus a source map, in one pass over the C parser's events.

Composing ruamel.yaml nodes in Python costs about five times more than parsing, so this builds
dicts, lists and scalars straight from the events and records where every key and value was
written. What could hurt the user is refused with a `LoadError` instead of a traceback or a hang:
duplicate keys, aliases that expand past a limit, nesting past a depth limit, tags that would build
objects, several documents in one file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from wfc.load.document import (MAX_ALIAS_NODES, MAX_DEPTH, LineIndex, Position, SourceMap, YamlPath, editor_lines,
                               position_of_offset)
from wfc.diagnostics import codes
from wfc.diagnostics.codes import Code

_CORE_TAGS = {"str", "int", "float", "bool", "null", "map", "seq"}
_NULL = re.compile(r"^(~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(inf|Inf|INF)$")
_NAN = re.compile(r"^\.(nan|NaN|NAN)$")
_PLAIN_WORD_STARTS = frozenset("abcdeghijklmopqrsuvwxyzABCDEGHIJKLMOPQRSUVWXYZ")  # not n/N, t/T, f/F


class LoadError(Exception):
    """Internal: stops the event walk at the first structural problem."""

    def __init__(self, code: Code, message: str, position: Position, hint: str, path: YamlPath = ()) -> None:
        super().__init__(message)
        self.diagnostic_args = (code, message, position, hint, path)


def read(text: str) -> Tuple[Any, SourceMap]:
    """The data and source map of `text`, or a `LoadError` saying what is wrong and where."""
    builder = _Builder(LineIndex(text))
    try:
        for event in YAML(typ="safe").parse(text):
            builder.feed(event)
    except (YAMLError, ValueError, RecursionError, OverflowError) as error:
        raise _reader_problem(error, text) from None
    return builder.result, SourceMap(builder.value_positions, builder.key_positions)


def _reader_problem(error: Exception, text: str) -> LoadError:
    """The parser's or reader's complaint, worded for the user and placed where it applies."""
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        at_end = mark is not None and mark.index >= len(text.rstrip())
        if at_end and error.context_mark is not None:
            mark = error.context_mark  # the bracket or quote that was never closed
        position = _inside(LineIndex(text).position(mark.index), text) if mark else Position(1, 1)
        problem = " ".join(str(part) for part in (error.context, error.problem) if part)
        return LoadError(codes.INVALID_YAML, f"invalid YAML: {problem}", position,
                         "check the indentation, quotes and brackets near this position")
    if isinstance(error, YAMLError):  # the reader's complaints about characters carry an offset, not a mark
        offset = getattr(error, "position", 0) or 0
        position = position_of_offset(text.encode("utf-8"), len(text[:offset].encode("utf-8")))
        return LoadError(codes.INVALID_YAML, f"invalid YAML: {getattr(error, 'reason', error)}", position,
                         "remove the control character; only printable text, tabs and newlines are allowed")
    if isinstance(error, UnicodeError):  # a str holding a lone surrogate
        return LoadError(codes.NOT_UTF8, "the text holds a character that is not valid Unicode (a lone surrogate)",
                         Position(1, 1), "save the file as UTF-8")
    return LoadError(codes.INVALID_YAML, f"invalid YAML: {error}", Position(1, 1),  # the C reader's own complaints
                     "check the file for control characters or an unusual encoding")


def _inside(position: Position, text: str) -> Position:
    """The parser marks an unexpected end on the line after the last one (`key: [` -> 2:1): the
    end of the last line is where the text stops, and every reported position lies in the file."""
    lines = editor_lines(text) or [""]
    if position.line <= len(lines) and position.column <= len(lines[position.line - 1]) + 1:
        return position
    line = min(position.line, len(lines))
    return Position(line, len(lines[line - 1]) + 1)


@dataclass
class _Frame:
    """A mapping or sequence under construction; `key` holds a mapping key awaiting its value."""

    container: Any
    path: YamlPath
    anchor: Optional[str]
    size: int = 1
    key: Any = None
    key_mark: Optional[Position] = None
    has_key: bool = False


class _Builder:
    """Turns parser events into plain data, a source map, and alias accounting."""

    def __init__(self, lines: LineIndex) -> None:
        self.lines = lines
        self.stack: List[_Frame] = []
        self.anchors: Dict[str, Tuple[Any, int]] = {}
        self.alias_nodes = 0
        self.documents = 0
        self.result: Any = None
        self.value_positions: Dict[YamlPath, Position] = {}
        self.key_positions: Dict[YamlPath, Position] = {}
        self.first_keys: Dict[YamlPath, Position] = {}
        self.handlers = {ScalarEvent: self._on_scalar, MappingStartEvent: self._open, SequenceStartEvent: self._open,
                         MappingEndEvent: self._on_end, SequenceEndEvent: self._on_end, AliasEvent: self._alias,
                         DocumentStartEvent: self._on_document}

    def at(self, event: Any) -> Position:
        return self.lines.position(event.start_mark.index)

    def feed(self, event: Any) -> None:
        handler = self.handlers.get(type(event))
        if handler is not None:
            handler(event)

    def _on_scalar(self, event: Any) -> None:
        self._value(self._scalar(event), 1, event, event.anchor)

    def _on_end(self, event: Any) -> None:
        frame = self.stack.pop()
        self._value(frame.container, frame.size, None, frame.anchor, frame.path)

    def _on_document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            raise LoadError(codes.SEVERAL_DOCUMENTS, "the file holds more than one YAML document", self.at(event),
                            "keep one workflow per file and remove the `---` separator")

    def _open(self, event: Any) -> None:
        self._check_tag(event, "map" if isinstance(event, MappingStartEvent) else "seq")
        if len(self.stack) >= MAX_DEPTH:
            raise LoadError(codes.TOO_DEEP, f"the document nests deeper than {MAX_DEPTH} levels", self.at(event),
                            "flatten the structure; workflows need only a few levels")
        path = self._child_path(event)
        self.value_positions[path] = self.at(event)
        container: Any = {} if isinstance(event, MappingStartEvent) else []
        self.stack.append(_Frame(container, path, event.anchor))

    def _child_path(self, event: Any) -> YamlPath:
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            return frame.path + (len(frame.container),)
        if not frame.has_key:
            raise LoadError(
                codes.KEY_NOT_PLAIN,
                "a mapping key must be a plain value, not a list or a mapping",
                self.at(event),
                "use a string as the key",
            )
        return frame.path + (frame.key,)

    def _value(self, value: Any, size: int, event: Any, anchor: Optional[str], path: Optional[YamlPath] = None) -> None:
        if anchor:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.result = value
            if path is None:
                self.value_positions[()] = self.at(event)
            return
        frame = self.stack[-1]
        frame.size += size
        if isinstance(frame.container, list):
            if path is None:
                self.value_positions[frame.path + (len(frame.container),)] = self.at(event)
            frame.container.append(value)
        elif not frame.has_key:
            self._key(frame, value, event)
        else:
            child = frame.path + (frame.key,)
            if path is None:
                self.value_positions[child] = self.at(event)
            frame.container[frame.key] = value
            frame.has_key = False

    def _key(self, frame: _Frame, value: Any, event: Any) -> None:
        if event is None:
            raise LoadError(codes.KEY_NOT_PLAIN, "a mapping key must be a plain value, not a list or a mapping",
                            frame.key_mark or Position(1, 1), "use a string as the key")
        key = value if isinstance(value, str) else event.value
        position = self.at(event)
        if key in frame.container or frame.path + (key,) in self.first_keys:
            first = self.first_keys.get(frame.path + (key,), position)
            raise LoadError(
                codes.DUPLICATE_KEY,
                f"duplicate key '{key}' (first defined on line {first.line})",
                position,
                "remove one of the two entries or rename it",
                frame.path + (key,),
            )
        self.first_keys[frame.path + (key,)] = position
        self.key_positions[frame.path + (key,)] = position
        frame.key, frame.key_mark, frame.has_key = key, position, True

    def _alias(self, event: Any) -> None:
        if event.anchor not in self.anchors:
            raise LoadError(
                codes.INVALID_YAML,
                f"invalid YAML: the alias '*{event.anchor}' names no anchor defined before it",
                self.at(event),
                f"define '&{event.anchor}' earlier in the file",
            )
        value, size = self.anchors[event.anchor]
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise LoadError(codes.ALIAS_BOMB, f"aliases expand to more than {MAX_ALIAS_NODES} nodes", self.at(event),
                            "write the repeated data out, or reference it fewer times")
        self._value(value, size, event, None)

    def _check_tag(self, event: Any, expected: str) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            return
        name = tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else None
        if name is None or name not in _CORE_TAGS:
            shown = "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag
            raise LoadError(codes.TAG_NOT_ALLOWED, f"the tag '{shown}' is not allowed", self.at(event),
                            "remove the tag; workflows hold only strings, numbers, booleans, lists and mappings")

    def _scalar(self, event: Any) -> Any:
        self._check_tag(event, "str")
        value = event.value
        if event.tag is not None and event.tag != "!":
            return _explicit(event, value, self.at(event))
        if event.style or not event.implicit[0]:
            return value
        return _resolve_plain(value)


def _resolve_plain(value: str) -> Any:
    """YAML 1.2 core schema resolution, as ruamel.yaml's safe loader does it."""
    if value[:1] in _PLAIN_WORD_STARTS:  # most scalars are words: skip the patterns
        return value
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return int(value)
    if _OCT.match(value):
        return int(value[2:], 8)
    if _HEX.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value) and any(ch.isdigit() for ch in value):
        return float(value)
    if _INF.match(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if _NAN.match(value):
        return float("nan")
    return value


def _explicit(event: Any, value: str, position: Position) -> Any:
    name = event.tag.rsplit(":", 1)[-1]
    if name == "str":
        return value
    resolved = _resolve_plain(value)
    kinds: Dict[str, Tuple[type, ...]] = {"int": (int,), "float": (int, float), "bool": (bool,), "null": (type(None),)}
    wanted = kinds.get(name)
    if wanted is None or not isinstance(resolved, wanted) or (name == "int" and isinstance(resolved, bool)):
        raise LoadError(
            codes.TAG_NOT_ALLOWED,
            f"'{value}' is not a valid !!{name}",
            position,
            f"write a valid {name} or drop the tag",
        )
    return float(resolved) if name == "float" and isinstance(resolved, (int, float)) else resolved
