"""A loaded workflow file as plain data, and where each of its nodes was written."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Dict, List, NamedTuple, Tuple

from wfc.diagnostics import Diagnostic


class Position(NamedTuple):
    """1-based line and column of a YAML node, as editors count them."""

    line: int
    column: int


# Editors and the language server protocol end a line at \n, \r\n or \r only; str.splitlines and
# the YAML reader also break at \x85, \u2028 and others, which would shift every later position.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def editor_lines(text: str) -> List[str]:
    """The lines of `text` as an editor numbers them (a final line break ends the last line)."""
    lines = _LINE_BREAK.split(text)
    return lines[:-1] if lines[-1] == "" else lines


class LineIndex:
    """Character offsets to editor positions, for a parser that numbers lines its own way."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]

    def position(self, offset: int) -> Position:
        line = bisect_right(self.starts, offset)
        return Position(line, offset - self.starts[line - 1] + 1)


MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_ALIAS_NODES = 100_000
MAX_DEPTH = 64

YamlPath = Tuple[Any, ...]


@dataclass(frozen=True)
class SourceMap:
    """Where every value, and every mapping key, was written."""

    values: Dict[YamlPath, Position] = field(default_factory=dict)
    keys: Dict[YamlPath, Position] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """A loaded file: plain data, where each node was written, and what went wrong."""

    file: str
    text: str
    sha256: str
    data: Any
    diagnostics: Tuple[Diagnostic, ...] = ()
    source_map: SourceMap = field(default_factory=SourceMap, repr=False, compare=False)

    @property
    def value_positions(self) -> Dict[YamlPath, Position]:
        return self.source_map.values

    @property
    def key_positions(self) -> Dict[YamlPath, Position]:
        return self.source_map.keys

    def position_of(self, path: YamlPath, *, key: bool = False) -> Position:
        """Where `path` was written; the key's position when `key`, else the value's.

        A path that was never written (a missing key) falls back to its nearest ancestor."""
        if key and path in self.key_positions:
            return self.key_positions[path]
        probe = tuple(path)
        values = self.value_positions
        while probe and probe not in values:
            probe = probe[:-1]
        return values.get(probe, Position(1, 1))

    def line_text(self, line: int) -> str:
        lines = self.lines
        return lines[line - 1] if 0 < line <= len(lines) else ""

    @cached_property
    def lines(self) -> List[str]:
        """The text split once: a diagnostic per step would otherwise split the file per step."""
        return editor_lines(self.text)


def position_of_offset(raw: bytes, offset: int) -> Position:
    """The position of byte `offset` (a bad byte counts as one character, as it is shown)."""
    before = raw[:offset].decode("utf-8", "replace")
    return LineIndex(before).position(len(before))


