"""`wfc import`: a Claude Code slash command (markdown) as a workflow that runs as it ran.

The package reads a command in stages, each a module with one job:

- `structure`: the markdown file's structure (sections, items, code blocks, tables) with line numbers;
- `frontmatter`: description, argument-hint, allowed-tools, model, read as Claude Code reads them;
- `kinds`: READMEs, agent definitions, skills, templates and plans, refused for what they are;
- `phases` and `entries`: the work, in any of the shapes commands use, and which agents run together;
- `agents`: where the text names an agent, and whether `.claude/agents/` defines it;
- `times`: durations the text gives (windows, estimates, days), and only those;
- `arguments`: the command's input as typed arguments, `$ARGUMENTS`/`$0` as templates over them;
- `docs`: purpose, usage, success criteria and outputs; `command` ties the readers together and
  lists every line that went nowhere;
- `steps`: the workflow data; `yaml_text`: its text; `check`: validated as `wfc validate` would.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from wfc.diagnostics import Diagnostic, sorted_diagnostics
from wfc.diagnostics.codes import IMPORT_DROPPED, IMPORT_EMPTY, IMPORT_NOT_TEXT
from wfc.diagnostics.errors import fail
from wfc.legacy.agents import Roster, check as check_agents
from wfc.legacy.check import Checked, check
from wfc.legacy.command import read
from wfc.legacy.records import LegacyCommand
from wfc.legacy.steps import build
from wfc.legacy.yaml_text import to_yaml

__all__ = ["ImportResult", "decode", "import_legacy", "parse_legacy"]


@dataclass(frozen=True)
class ImportResult:
    """The workflow text, what it was made from, what the import reports, and the text checked."""

    text: str
    command: LegacyCommand
    warnings: Tuple[Diagnostic, ...]  # about the legacy file: dropped lines, unknown agents, ...
    checked: Checked  # about the written workflow: `wfc validate`'s findings and the plan


def decode(data: bytes, source: str) -> str:
    """Text of a legacy file, or an error at the first byte that shows it is not text."""
    position = data.find(b"\x00")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        position = error.start if position < 0 else min(position, error.start)
        text = ""
    if position >= 0:
        line = data.count(b"\n", 0, position) + 1
        column = position - (data.rfind(b"\n", 0, position) + 1) + 1
        fail(f"{source}: not a text file", [IMPORT_NOT_TEXT.at(
            f"not a markdown file: {_bad_byte(data[position])}", source, line, column,
            "a slash command is UTF-8 markdown")])
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _bad_byte(value: int) -> str:
    return "a NUL byte, which text never holds" if value == 0 else f"byte 0x{value:02x} is not UTF-8"


def parse_legacy(text: str, source: str, path: Optional[Path] = None) -> Tuple[LegacyCommand, Roster]:
    """What the command says, or an error when there is nothing to import or it is not a command."""
    if not text.strip():
        fail(f"{source}: nothing to import", [IMPORT_EMPTY.at(
            "nothing to import: the file is empty", source, 1, 1,
            "a slash command is markdown: a prompt, or phases of agent entries")])
    return read(text, source, path)


def import_legacy(data: bytes, source: str, name: Optional[str] = None, path: Optional[Path] = None,
                  output: str = "") -> ImportResult:
    """The workflow for a command's bytes. `source` is the command as shown to the user, `path` where
    it is (for its `.claude/agents/`), `name` the output's stem and `output` its path as shown."""
    command, roster = parse_legacy(decode(data, source), source, path)
    data_, conflicts = build(command, name)
    text = to_yaml(data_, source)
    stem = name or command.frame.stem
    checked = check(text, output or f"{stem}.yaml", stem)
    lines = command_lines(data, source)
    found = list(command.warnings)
    found += [IMPORT_DROPPED.at(message, source, line, 1, "", (), lines(line)) for message, line in conflicts]
    found += check_agents(_agents_of(command), roster, source)
    return ImportResult(text, command, sorted_diagnostics(found), checked)


def _agents_of(command: LegacyCommand) -> List[Tuple[str, int, str]]:
    """Every agent a step runs, with the line that named it, for the check against `.claude/agents/`."""
    return [(entry.agent, entry.line, "") for entry in command.entries if entry.agent] + (
        [(command.frame.lead_agent, command.frame.lead_line or 1, "")] if command.frame.lead_agent else [])


def command_lines(data: bytes, source: str) -> Callable[[int], str]:
    lines = decode(data, source).split("\n")
    return lambda number: lines[number - 1] if 0 < number <= len(lines) else ""
