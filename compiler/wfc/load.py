"""YAML text to a Document: plain data, where each node was written, and what went wrong.

One reader, `wfc.events`, walks ruamel.yaml's parser events, records positions as it goes and
refuses what could hurt the user (duplicate keys, alias bombs, depth, object tags, several
documents). Files past a size limit and non-UTF-8 bytes are refused here, before it runs.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

from wfc.errors import ERROR, Diagnostic
from wfc.model import Position

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
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""


def load_bytes(raw: bytes, file: str) -> Document:
    """Decode and load a workflow file's bytes; every failure becomes a diagnostic."""
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_FILE_BYTES:
        return _failed(file, "", digest, "WFC002", f"the file is {len(raw)} bytes, over the limit of {MAX_FILE_BYTES}",
                       Position(1, 1), "split the workflow, or move long prompts into files the steps read")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        position = position_of_offset(raw, bad.start)
        return _failed(file, raw[: bad.start].decode("utf-8", "replace"), digest, "WFC003",
                       f"the file is not valid UTF-8: byte 0x{raw[bad.start]:02x} cannot start or continue a character",
                       position, "save the file as UTF-8")
    return load_text(text.lstrip("\ufeff"), file, digest)


def load_text(text: str, file: str, sha256: Optional[str] = None) -> Document:
    """The document in `text`, with the position of every node."""
    digest = sha256 or hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    from wfc.events import LoadError, read

    try:
        result, source_map = read(text)
    except LoadError as error:
        code, message, position, hint, path = error.diagnostic_args
        return _failed(file, text, digest, code, message, position, hint, path)
    return Document(file, text, digest, result, source_map=source_map)


def _failed(file: str, text: str, digest: str, code: str, message: str, position: Position, hint: str,
            path: YamlPath = ()) -> Document:
    lines = text.splitlines()
    source_line = lines[position.line - 1] if 0 < position.line <= len(lines) else ""
    diagnostic = Diagnostic(code, ERROR, message, file, position.line, position.column, hint, path, source_line)
    return Document(file, text, digest, None, (diagnostic,), SourceMap())


def position_of_offset(raw: bytes, offset: int) -> Position:
    before = raw[:offset]
    line_start = before.rfind(b"\n") + 1
    return Position(before.count(b"\n") + 1, len(before[line_start:].decode("utf-8", "replace")) + 1)


