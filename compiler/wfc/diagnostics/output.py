"""Diagnostics as people and tools read them: text (gcc/rustc shape), JSON, GitHub annotations.

Text shows `file:line:col: error[CODE]: message`, the source line with a caret under the culprit,
and a `hint:` line. Colour only on a terminal, never when NO_COLOR is set.
"""
from __future__ import annotations

import json
import os
import sys
from typing import IO, Any, Dict, Iterable, List, Optional, Sequence

import click

from wfc.diagnostics import Diagnostic
from wfc.diagnostics.codes import REGISTRY

_STYLE = {"error": "red", "warning": "yellow"}


def use_colour(stream: IO[str]) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def format_text(diagnostic: Diagnostic, colour: bool = False) -> str:
    label = f"{diagnostic.severity}[{diagnostic.code}]"
    if colour:
        label = click.style(label, fg=_STYLE.get(diagnostic.severity), bold=True)
    lines = [f"{diagnostic.file}:{diagnostic.line}:{diagnostic.column}: {label}: {diagnostic.message}"]
    if diagnostic.source_line:
        gutter = f"{diagnostic.line:>4} | "
        source = diagnostic.source_line.replace("\t", " ")
        lines.append(gutter + source)
        lines.append(" " * (len(gutter) - 2) + "| " + " " * (diagnostic.column - 1) + "^")
    if diagnostic.hint:
        lines.append(f"  hint: {diagnostic.hint}")
    return "\n".join(lines)


def culprit_end(source_line: str, column: int) -> int:
    """The column of the culprit's last character: the YAML token that starts at `column` (a quoted
    scalar to its closing quote, else up to a key's colon, a flow separator or a comment), so an
    annotation underlines the word that is wrong rather than one character of it."""
    text = source_line[column - 1:] if 0 < column <= len(source_line) else ""
    if not text.strip():
        return column
    if text[0] in "\"'":
        closing = text.find(text[0], 1)
        return column + (closing if closing > 0 else len(text.rstrip()) - 1)
    end = len(text.rstrip())
    for stop in (": ", ",", "]", "}", " #"):
        found = text.find(stop, 1)
        if 0 < found < end:
            end = found
    if text[:end].endswith(":"):
        end -= 1
    return column + max(len(text[:end].rstrip()), 1) - 1


def format_github(diagnostic: Diagnostic) -> str:
    """A workflow command GitHub Actions turns into an annotation spanning the culprit."""
    kind = "error" if diagnostic.is_error else "warning"
    message = f"{diagnostic.code}: {diagnostic.message}" + (f" (hint: {diagnostic.hint})" if diagnostic.hint else "")
    escaped = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    file = diagnostic.file.replace("%", "%25").replace(",", "%2C").replace(":", "%3A")
    end = culprit_end(diagnostic.source_line, diagnostic.column)
    return (f"::{kind} file={file},line={diagnostic.line},endLine={diagnostic.line},col={diagnostic.column},"
            f"endColumn={end},title={diagnostic.code}::{escaped}")


def as_json(diagnostic: Diagnostic) -> Dict[str, Any]:
    return {"file": diagnostic.file, "line": diagnostic.line, "column": diagnostic.column, "code": diagnostic.code,
            "severity": diagnostic.severity, "message": diagnostic.message, "hint": diagnostic.hint,
            "path": diagnostic.dotted_path(), "documentation": REGISTRY[diagnostic.code].documentation}


def render(diagnostics: Iterable[Diagnostic], output_format: str, colour: bool = False) -> str:
    items: List[Diagnostic] = list(diagnostics)
    if output_format == "json":
        return json.dumps([as_json(d) for d in items], indent=2, ensure_ascii=False)
    if output_format == "github":
        return "\n".join(format_github(d) for d in items)
    return "\n\n".join(format_text(d, colour) for d in items)


def summary(errors: int, warnings: int, files: int) -> str:
    def plural(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(files, 'file')}"


def print_failure(message: str, diagnostics: Sequence[Diagnostic], stream: Optional[IO[str]] = None) -> None:
    """What `wfc` prints for a user-facing failure: the diagnostics, else the one-line message."""
    out = stream or sys.stderr
    if diagnostics:
        click.echo(render(diagnostics, "text", use_colour(out)), file=out)
        errors = sum(1 for d in diagnostics if d.is_error)
        click.echo(summary(errors, len(diagnostics) - errors, len({d.file for d in diagnostics})), file=out)
    else:
        click.echo(f"error: {message}", file=out)
