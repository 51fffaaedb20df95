"""Diagnostics: every finding about a user's file.

A `Diagnostic` names the file, line and column, says what was expected and what was found, and
hints at the fix. Stages collect diagnostics rather than raising on the first, so the user sees
every problem in one run; `wfc.diagnostics.errors` holds the few exceptions that carry them out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional, Tuple

ERROR = "error"
WARNING = "warning"

PathPart = object  # a mapping key (str) or a sequence index (int)


@dataclass(frozen=True)
class Diagnostic:
    """One finding, positioned in a source file (line and column are 1-based)."""

    code: str
    severity: str
    message: str
    file: str
    line: int = 1
    column: int = 1
    hint: str = ""
    yaml_path: Tuple[PathPart, ...] = ()
    source_line: str = field(default="", compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self) -> Tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.code, self.message)

    def dotted_path(self) -> str:
        """The YAML path as users write it: `steps.analyze.needs[0]`."""
        text = ""
        for part in self.yaml_path:
            if isinstance(part, int):
                text += f"[{part}]"
            else:
                text += f".{part}" if text else str(part)
        return text


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> Tuple[Diagnostic, ...]:
    """Position order, duplicates dropped: what users read top to bottom."""
    unique = {(d.sort_key(), d.severity, d.hint): d for d in diagnostics}
    return tuple(sorted(unique.values(), key=Diagnostic.sort_key))


def first_error(diagnostics: Iterable[Diagnostic]) -> Optional[Diagnostic]:
    return next((d for d in sorted_diagnostics(diagnostics) if d.is_error), None)

