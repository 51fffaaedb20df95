"""Legacy markdown slash commands to workflow skeletons (`wfc import`).

A legacy command is prose that runs phase after phase, each phase a list of agents. Real files
vary, so the parser is liberal about headings, time notations and entry shapes, and honest about
what it dropped: every ignored line inside a phase comes back as a warning. The skeleton keeps the
legacy order as explicit `needs` between phases, because that is what the legacy command did; the
point of importing is that those barriers are now visible and can be removed one by one.

The workflow text itself is written by `wfc.legacy_writer`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from wfc.diagnostics import Diagnostic, codes

from wfc.diagnostics.errors import fail

EXPECTED = ("a phase heading such as `### Phase 1: Evidence Collection (0-20 mins)` followed by "
            "agent entries such as `1. **log-collector** - Gather logs around the incident window`")

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*$")
_PHASE = re.compile(r"^[^\w]*(?P<word>phase|stage)\b\s*(?P<num>\d+)?\s*(?P<rest>.*)$", re.IGNORECASE)
_UNIT = r"(?P<unit>min(?:ute)?s?|m|h(?:ou)?rs?|hours?|h)\b\.?"
_RANGE = re.compile(r"\(?~?\s*(?P<a>\d+(?:\.\d+)?)\s*(?:min(?:ute)?s?|m|h)?\s*(?:-|–|—|to)\s*~?\s*"
                    r"(?P<b>\d+(?:\.\d+)?)\s*" + _UNIT + r"\)?", re.IGNORECASE)
_SINGLE = re.compile(r"\(?(?:~|about |approx\.? )?\s*(?P<n>\d+(?:\.\d+)?)\s*" + _UNIT + r"\)?", re.IGNORECASE)
_TIME_LINE = re.compile(r"^\W*(?:estimated time|time budget|duration|timing|time|budget)\W*\s*[:\-–—]\s*(?P<rest>.+)$",
                        re.IGNORECASE)
_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?:\d+[.)]|[-*+])\s+(?P<body>.*\S)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_NAME = r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*"
_AGENT = re.compile(rf"^{_NAME}$")
_HYPHENATED = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+"
_BOLD_FIRST = re.compile(r"^(?:\*\*|__)(?P<bold>.+?)(?:\*\*|__)\s*(?P<rest>.*)$")
_TICK_FIRST = re.compile(r"^`(?P<name>[^`]+)`\s*(?P<rest>.*)$")
_PAREN_FIRST = re.compile(rf"^\(\s*(?:agent:\s*)?`?(?P<name>{_NAME})`?\s*\)\s*(?P<rest>.*)$")
_PAREN_LATER = re.compile(rf"^(?P<title>[^(]+?)\s*\(\s*(?:agent:\s*)?`?(?P<name>{_HYPHENATED})`?\s*\)\s*(?P<rest>.*)$")
_PLAIN_FIRST = re.compile(rf"^(?P<name>{_HYPHENATED})(?:\s*[-–—:]\s*(?P<rest>.*))?$")
_TICK_ANYWHERE = re.compile(rf"`(?P<name>{_HYPHENATED})`")
_SEPARATOR = re.compile(r"^\s*(?:[-–—:|]\s*)+")
_JINJA_OPEN = re.compile(r"\{(?=[{%#])")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


@dataclass(frozen=True)
class LegacyAgent:
    """One agent entry: the agent it names, a title from its text, and the text with its details."""

    agent: str
    title: str
    text: str
    line: int


@dataclass(frozen=True)
class LegacyPhase:
    label: str  # "Phase 1: Evidence Collection"
    minutes: Optional[float]
    line: int
    agents: Tuple[LegacyAgent, ...]


@dataclass(frozen=True)
class LegacyCommand:
    source: str
    title: str
    description: str
    argument_hint: str
    uses_arguments: bool
    phases: Tuple[LegacyPhase, ...]  # only phases with agents
    skipped: Tuple[Diagnostic, ...]

    @property
    def total_minutes(self) -> float:
        return sum(phase.minutes or 0.0 for phase in self.phases)


@dataclass(frozen=True)
class ImportResult:
    """The workflow text, what it was made from, and what was skipped (warnings for the user)."""

    text: str
    command: LegacyCommand
    warnings: Tuple[Diagnostic, ...]


# -- reading ------------------------------------------------------------------------------------


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
        fail(f"{source}: not a text file", [codes.IMPORT_NOT_TEXT.at(f"not a markdown file: {_bad_byte(data[position])}", source, line,
            column, f"a legacy command is UTF-8 markdown with {EXPECTED}")])
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _bad_byte(value: int) -> str:
    return "a NUL byte, which text never holds" if value == 0 else f"byte 0x{value:02x} is not UTF-8"


def minutes_in(text: str) -> Tuple[Optional[float], Tuple[int, int]]:
    """Minutes a heading or time line states (`(0-20 mins)`, `(~15 min)`, `(15m)`, `(1h)`) and the
    span of the text that said so; a range counts its length, as the legacy budgets did."""
    match = _RANGE.search(text)
    if match:
        span = float(match.group("b")) - float(match.group("a"))
        return (_scaled(span, match.group("unit")) if span >= 0 else None), match.span()
    match = _SINGLE.search(text)
    if match:
        return _scaled(float(match.group("n")), match.group("unit")), match.span()
    return None, (0, 0)


def _scaled(value: float, unit: str) -> float:
    return value * 60.0 if unit.lower().startswith("h") else value


def plain(markdown: str) -> str:
    """Markdown inline text as a plain line: links to their text, emphasis and code marks dropped."""
    text = _LINK.sub(r"\1", markdown)
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"(?<!\w)[*_](\S(?:.*?\S)?)[*_](?!\w)", r"\1", text)
    return " ".join(text.split())


def phase_heading(text: str) -> Optional[Tuple[str, Optional[float], bool]]:
    """(label, minutes, whether a time was given) when a heading names a phase, else None."""
    match = _PHASE.match(plain(text))
    if not match:
        return None
    rest = match.group("rest")
    minutes, (start, end) = minutes_in(rest)
    timed = end > start
    name = _SEPARATOR.sub("", (rest[:start] + rest[end:]).strip()).strip(" -–—:()")
    word = match.group("word").capitalize()
    head = f"{word} {match.group('num')}" if match.group("num") else word
    return (f"{head}: {name}" if name else head), minutes, timed


def agent_entry(body: str) -> Optional[Tuple[str, str]]:
    """(agent, title text) for a list item that names an agent, in any of the shapes seen in the
    wild: `**agent** - text`, `**Title** (agent)`, `**agent**: text`, `` `agent` - text``,
    `Title (agent)`, `agent - text` and `Use `agent` to ...`."""
    bold = _BOLD_FIRST.match(body)
    if bold:
        name = bold.group("bold").strip().strip("`").rstrip(":").strip()
        rest = _SEPARATOR.sub("", bold.group("rest"))
        if _AGENT.match(name):
            return name, rest
        paren = _PAREN_FIRST.match(rest)
        return (paren.group("name"), name) if paren else None
    for pattern in (_TICK_FIRST, _PAREN_LATER, _PLAIN_FIRST):
        match = pattern.match(body)
        if match and _AGENT.match(match.group("name")):
            title = match.groupdict().get("title") or _SEPARATOR.sub("", match.group("rest") or "")
            return match.group("name"), title
    anywhere = _TICK_ANYWHERE.search(body)
    return (anywhere.group("name"), body) if anywhere else None


def title_from(text: str, agent: str) -> str:
    """One imperative-looking line: the entry's first sentence, capitalised, at most 80 characters."""
    line = re.split(r"(?<=[.!?])\s", plain(text), maxsplit=1)[0].rstrip(" .:;")
    if not line:
        return f"Run the {agent} agent"
    if len(line) > 80:
        line = line[:80].rsplit(" ", 1)[0].rstrip(" ,;:") + "..."
    return line[0].upper() + line[1:]


@dataclass
class _Entry:
    agent: str
    title: str
    text: str
    indent: int
    line: int


@dataclass
class _Phase:
    label: str
    minutes: Optional[float]
    line: int
    timed: bool
    entries: List[_Entry] = field(default_factory=list)


class _Reader:
    """The one pass over the lines. Mutable while reading; `command()` freezes what it found."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = text.split("\n")
        self.title = ""
        self.paragraph: List[str] = []
        self.paragraph_done = False
        self.meta: Dict[str, str] = {}
        self.phases: List[_Phase] = []
        self.phase_level = 0
        self.open = False
        self.skipped: List[Diagnostic] = []

    def skip(self, number: int, reason: str, hint: str = "") -> None:
        line = self.lines[number - 1]
        column = len(line) - len(line.lstrip()) + 1
        self.skipped.append(codes.IMPORT_SKIPPED.at(f"skipped: {reason}", self.source, number, column,
                                       hint, (), line))

    def read(self) -> None:
        start = self.frontmatter()
        fenced = 0
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if _FENCE.match(line):
                if not fenced and self.open:
                    self.skip(number, "a code block inside a phase is not an agent entry")
                fenced = 0 if fenced else number
            elif not fenced:
                self.line(number, line)

    def frontmatter(self) -> int:
        """Line count of the `---` frontmatter; its description and argument-hint are kept."""
        if not self.lines or self.lines[0].strip() != "---":
            return 0
        end = next((i for i in range(1, len(self.lines)) if self.lines[i].strip() in ("---", "...")), None)
        if end is None:
            return 0
        try:
            data = YAML(typ="safe", pure=True).load("\n".join(self.lines[1:end]))
        except YAMLError:
            data = None
        if not isinstance(data, dict):
            self.skip(1, "the frontmatter is not a YAML mapping", "write `description: ...` between the `---` lines")
            return end + 1
        for key in ("description", "argument-hint", "argument_hint"):
            if isinstance(data.get(key), (str, int, float)):
                self.meta[key.replace("_", "-")] = " ".join(str(data[key]).split())
        return end + 1

    def line(self, number: int, line: str) -> None:
        heading = _HEADING.match(line)
        bold = _BOLD_LINE.match(line)
        if heading:
            self.heading(number, len(heading.group(1)), heading.group(2))
        elif bold and phase_heading(bold.group(1)):
            self.heading(number, 7, bold.group(1))
        elif not line.strip() or _RULE.match(line):
            self.paragraph_done = self.paragraph_done or bool(self.paragraph)
        elif self.open:
            self.in_phase(number, line)
        else:
            self.outside(number, line)

    def heading(self, number: int, level: int, text: str) -> None:
        phase = phase_heading(text)
        if phase:
            label, minutes, timed = phase
            if timed and minutes is None:
                self.skip(number, f"the time in `{plain(text)}` ends before it starts",
                          "write the phase's range in order, e.g. (20-50 minutes)")
            self.phases.append(_Phase(label, minutes, number, timed))
            self.phase_level, self.open = level, True
            return
        if self.open and level <= self.phase_level:
            self.open = False
        if not self.title and level == 1 and not self.phases and not self.paragraph:
            self.title = plain(text)
        else:
            self.paragraph_done = True

    def outside(self, number: int, line: str) -> None:
        item = _ITEM.match(line)
        if item and agent_entry(item.group("body")) and not self.phases:
            self.skip(number, "an agent entry before any phase heading",
                      "put it under a heading such as `### Phase 1: Evidence Collection (0-20 mins)`")
        elif item and agent_entry(item.group("body")):
            self.skip(number, "an agent entry under a heading that is not a phase",
                      "move it under a phase heading, or rename its heading `### Phase N: ...`")
        elif not self.paragraph_done and not self.phases and not item:
            self.paragraph.append(line.strip())

    def in_phase(self, number: int, line: str) -> None:
        phase = self.phases[-1]
        item = _ITEM.match(line)
        time_line = None if item or phase.minutes is not None else _TIME_LINE.match(plain(line))
        if time_line and minutes_in(time_line.group("rest"))[0] is not None:
            phase.minutes = minutes_in(time_line.group("rest"))[0]
            return
        indent = len((item.group("indent") if item else line[: len(line) - len(line.lstrip())]).expandtabs(4))
        if phase.entries and indent > phase.entries[-1].indent:
            phase.entries[-1].text += "\n" + line.strip()
            return
        entry = agent_entry(item.group("body")) if item else None
        if item is None or entry is None:
            reason = "a list item that names no agent" if item else "text in a phase that is not an agent entry"
            self.skip(number, reason, "write agent entries as `1. **agent-name** - what it does`")
            return
        phase.entries.append(_Entry(entry[0], title_from(entry[1], entry[0]), item.group("body"), indent, number))

    def command(self) -> LegacyCommand:
        phases = []
        for phase in self.phases:
            if not phase.entries:
                lost = f"; its {phase.minutes:g} minutes are not counted" if phase.minutes else ""
                self.skip(phase.line, f"phase `{phase.label}` has no agent entries{lost}",
                          "list its agents as `1. **agent-name** - what it does`")
                continue
            if phase.minutes is None and not phase.timed:
                self.skip(phase.line, f"phase `{phase.label}` gives no time; its steps get no estimate",
                          "add the phase's time to its heading, e.g. (0-20 mins), then set each step's estimate")
            agents = tuple(LegacyAgent(e.agent, e.title, e.text, e.line) for e in phase.entries)
            phases.append(LegacyPhase(phase.label, phase.minutes, phase.line, agents))
        return LegacyCommand(self.source, self.title, self.meta.get("description") or " ".join(self.paragraph),
                             self.meta.get("argument-hint", ""), "$ARGUMENTS" in "\n".join(self.lines),
                             tuple(phases), tuple(sorted(self.skipped, key=Diagnostic.sort_key)))


def parse_legacy(text: str, source: str) -> LegacyCommand:
    """The phases and agents of a legacy command, or an error saying what was expected."""
    if not text.strip():
        fail(f"{source}: nothing to import", [codes.IMPORT_EMPTY.at("nothing to import: the file is empty", source, 1, 1, f"expected {EXPECTED}")])
    reader = _Reader(text, source)
    reader.read()
    if not reader.phases:
        fail(f"{source}: no phases", [codes.IMPORT_NO_PHASES.at("no phase heading found", source, 1, 1, f"expected {EXPECTED}", (), reader.lines[0])])
    command = reader.command()
    if not command.phases:
        number = reader.phases[0].line
        fail(f"{source}: no agents", [codes.IMPORT_NO_AGENTS.at("no agent entries under any phase heading", source, number, 1,
            f"expected {EXPECTED}", (), reader.lines[number - 1])])
    return command
