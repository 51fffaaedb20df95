"""The bookkeeping every reader shares: which lines of the file went into the workflow, and what
the reader has to tell the user.

A line is "used" when it ends up somewhere in the workflow (a step's prompt, an argument, docs, a
time, a title) or is pure structure (a heading the steps are grouped by). Every other non-blank
line is dropped, and `wfc import` lists each one, so nothing disappears silently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import FrozenSet, Iterable, List, Set, Tuple

from wfc.diagnostics import Diagnostic
from wfc.diagnostics.codes import Code
from wfc.legacy.structure import Markdown, Node, Section

_STRUCTURE = re.compile(r"^\s*(?:([-*_])(?:\s*\1){2,}|```.*|~~~.*|<!--|-->)\s*$")


@dataclass
class Reading:
    md: Markdown
    source: str
    known: FrozenSet[str]  # agent names that count wherever they appear (`.claude/agents/` + built-ins)
    used: Set[int] = field(default_factory=set)
    warnings: List[Diagnostic] = field(default_factory=list)
    dropped_for: List[Tuple[Tuple[int, ...], str]] = field(default_factory=list)  # (lines, reason) a reader gave

    def use(self, lines: Iterable[int]) -> None:
        self.used.update(lines)

    def use_node(self, node: Node) -> None:
        self.used.update(node.lines)

    def use_section(self, section: Section) -> None:
        for node in section.nodes():
            self.used.update(node.lines)

    def drop(self, node: Node, reason: str) -> None:
        """A node the reader recognised and chose to leave out, with the reason to show."""
        self.dropped_for.append((tuple(node.lines), reason))

    def warn(self, code: Code, line: int, message: str, hint: str = "") -> None:
        text = self.md.lines[line - 1] if 0 < line <= len(self.md.lines) else ""
        column = len(text) - len(text.lstrip()) + 1 if text.strip() else 1
        self.warnings.append(code.at(message, self.source, line, column, hint, (), text))

    def dropped_lines(self, start: int) -> List[int]:
        """Lines from `start` on that hold something and went nowhere."""
        return [number for number in range(start, len(self.md.lines) + 1)
                if number not in self.used and self.md.lines[number - 1].strip()
                and not _STRUCTURE.match(self.md.lines[number - 1])]
