"""YAML text to a Document: plain data, where each node was written, and what went wrong.

One reader, `wfc.load.reader`, walks ruamel.yaml's parser events, records positions as it goes and
refuses what could hurt the user (duplicate keys, alias bombs, depth, object tags, several
documents). Files past a size limit and non-UTF-8 bytes are refused here, before it runs.
"""
from __future__ import annotations

import hashlib
from typing import Optional

from wfc.diagnostics import codes
from wfc.diagnostics.codes import Code
from wfc.load.document import (MAX_FILE_BYTES, Document, Position, SourceMap, YamlPath, editor_lines,
                               position_of_offset)


def load_bytes(raw: bytes, file: str) -> Document:
    """Decode and load a workflow file's bytes; every failure becomes a diagnostic."""
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_FILE_BYTES:
        return _failed(
            file,
            "",
            digest,
            codes.FILE_TOO_LARGE,
            f"the file is {len(raw)} bytes, over the limit of {MAX_FILE_BYTES}",
            Position(1, 1),
            "split the workflow, or move long prompts into files the steps read",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        position = position_of_offset(raw, bad.start)
        return _failed(file, raw[: bad.start].decode("utf-8", "replace"), digest, codes.NOT_UTF8,
                       f"the file is not valid UTF-8: byte 0x{raw[bad.start]:02x} cannot start or continue a character",
                       position, "save the file as UTF-8")
    return load_text(text.lstrip("\ufeff"), file, digest)


def load_text(text: str, file: str, sha256: Optional[str] = None) -> Document:
    """The document in `text`, with the position of every node."""
    from wfc.load.reader import LoadError, read  # ruamel.yaml: only when a file is read

    digest = sha256 or hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    try:
        result, source_map = read(text)
    except LoadError as error:
        code, message, position, hint, path = error.diagnostic_args
        return _failed(file, text, digest, code, message, position, hint, path)
    return Document(file, text, digest, result, source_map=source_map)


def _failed(file: str, text: str, digest: str, code: Code, message: str, position: Position, hint: str,
            path: YamlPath = ()) -> Document:
    lines = editor_lines(text)
    source_line = lines[position.line - 1] if 0 < position.line <= len(lines) else ""
    diagnostic = code.at(message, file, position.line, position.column, hint, path, source_line)
    return Document(file, text, digest, None, (diagnostic,), SourceMap())
