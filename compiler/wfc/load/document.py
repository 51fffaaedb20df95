"""A loaded workflow file as plain data, and where each of its nodes was written."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Dict, List, NamedTuple, Tuple

from wfc.diagnostics import Diagnostic


class Position(NamedTuple):
    """1-based line and column of a YAML node, as editors count them."""

    line: int
    column: int


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
        return self.text.splitlines()


def position_of_offset(raw: bytes, offset: int) -> Position:
    before = raw[:offset]
    line_start = before.rfind(b"\n") + 1
    return Position(before.count(b"\n") + 1, len(before[line_start:].decode("utf-8", "replace")) + 1)


