"""The work inside one phase: its agent entries, which of them the text says run together, its
time, and the lines that are neither (objectives, deliverables, metrics), kept as the phase's notes.

An entry is a list item that names an agent (`5. **code-scanner-sast** - Static analysis`), a
sub-heading whose section names exactly one (`### 1. Initial Security Audit` over
`- Use Task tool with subagent_type="security-auditor"`), a paragraph that asks for one by name
("Use the code-reviewer agent to ..."), or a row of a table with an agent column. An item that
names none but whose sub-items do (`- Post-task quality gates:` over `` - `senior-reviewer`: ...``)
is a label over entries. Entries run one after another unless the text says otherwise.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from wfc.legacy import agents, times
from wfc.legacy.structure import ITEM, PARAGRAPH, RULE, TABLE, Node, Section, plain
from wfc.legacy.records import Entry, Unit
from wfc.legacy.reading import Reading

_PARALLEL = re.compile(r"\b(?:in parallel|parallel(?:ly)?|concurrently|simultaneously|at the same time|at once)\b",
                       re.IGNORECASE)
_WHO = re.compile(r"\b(?:agents?|sub-?agents?|reviewers?|these|them|they|all|both|following|streams?|\d+|two|three|"
                  r"four|five|six|seven|eight|nine|ten)\b", re.IGNORECASE)
_SERIAL = re.compile(r"\b(?:not|never|don'?t|no)\b[^.]*\b(?:parallel|concurrent|simultaneous)|\bserial(?:ly)?\b|"
                     r"\bsequential(?:ly)?\b|\bone (?:at a time|after (?:the )?other|after another|by one)\b", re.I)
_AFTER = re.compile(r"^(?:then|after(?:wards)?|finally|once\b|when (?:they|all|those)\b)", re.IGNORECASE)
_PROGRESS = re.compile(r"^(?:todowrite|todo|progress|task ?list)\b[^:]*(?:update|:)", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:\*\*|__)?[\w /&-]{1,30}(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*$")
_CONDITION = re.compile(r"\((?:if|where|when) (?:applicable|needed|relevant|required|available|present|any)\)|"
                        r"\(optional\)", re.IGNORECASE)
_REPEATS = re.compile(r"\b(?:for (?:each|every)|once per|one (?:agent )?per)\s+[\w`$-]+(?:\s+[\w`-]+)?", re.IGNORECASE)
_OWN_TIME = re.compile(r"\(\s*(~?\s*\d[^()]*?)\)\s*$")
_OUTPUT = re.compile(r"^\W*outputs?\W*\s*:\s*(?P<rest>.*)$", re.IGNORECASE)
_INPUT = re.compile(r"\b(?:uses?(?: (?:cached|shared|the))?|reads?|consumes?|inputs?\W*:)\s+((?:`[^`]+`[\s,and]*)+)",
                    re.IGNORECASE)
_TICKED = re.compile(r"`([A-Za-z][\w.-]*)(?:\[\])?`")
_REPORTISH = re.compile(r"report|summary|synthes|consolidat|final|merge|combine|aggregat|wrap", re.IGNORECASE)
_HEADING_PREFIX = re.compile(r"^(?:\d+[.)]\s*|(?:stream|task|track|part|agent)\s*\d+\s*[:.\-–—]\s*)", re.IGNORECASE)
_EXPLICIT = ("subagent_type", "at", "prose", "use")


@dataclass
class PhaseBody:
    """What one phase's blocks hold, gathered in order."""

    entries: List[Tuple[Entry, int]] = field(default_factory=list)  # (entry, line of its parallel declaration)
    notes: List[Tuple[str, bool]] = field(default_factory=list)  # (markdown, whether a list item)
    time: Optional[times.Said] = None
    time_line: int = 0
    parallel: int = 0  # the declaration in force for the entries that follow

    def notes_text(self) -> str:
        """The notes as one markdown text: items of one list stay one list."""
        text = ""
        for index, (note, is_item) in enumerate(self.notes):
            joint = "\n" if index and is_item and self.notes[index - 1][1] else "\n\n"
            text += (joint if index else "") + note
        return text

    def units(self) -> Tuple[Unit, ...]:
        units: List[Unit] = []
        for entry, declared in self.entries:
            if declared and units and units[-1].parallel_line == declared:
                units[-1] = Unit(units[-1].entries + (entry,), declared)
            else:
                units.append(Unit((entry,), declared))
        return tuple(Unit(u.entries, u.parallel_line if len(u.entries) > 1 else 0) for u in units)


_TOGETHER = re.compile(r"\b(?:launch|run|start|invoke|execute|spawn|dispatch)\w*\b[^.]*\btogether\b", re.IGNORECASE)


def declares_parallel(text: str) -> bool:
    """Whether the text says its agents run together ("Launch these three in parallel", "All 5
    review agents run in **PARALLEL**"); "Parallel execution of independent tasks" says nothing
    about the agents listed, and "do not run these in parallel" the opposite."""
    line = plain(text)
    said = bool(_PARALLEL.search(line)) and bool(_WHO.search(line)) or bool(_TOGETHER.search(line))
    return said and not _SERIAL.search(line)


class BodyReader:
    """Reads a phase's blocks into a `PhaseBody`; `trailing_work` makes a closing report section
    of an un-phased command a step of its own."""

    def __init__(self, reading: Reading, trailing_work: bool = False) -> None:
        self.reading = reading
        self.trailing_work = trailing_work
        self.body = PhaseBody()

    def read(self, nodes: Sequence[Node], subsections: Sequence[Section]) -> PhaseBody:
        for node in nodes:
            self.node(node)
        for section in subsections:
            self.section(section)
        return self.body

    def node(self, node: Node) -> None:
        if node.kind == PARAGRAPH:
            self.paragraph(node)
        elif node.kind == ITEM:
            self.item(node)
        elif node.kind == TABLE and self.table(node):
            return
        elif node.kind == RULE:
            self.reading.use_node(node)
        else:
            self.note(node)

    def note(self, node: Node, whole: bool = True) -> None:
        lines = node.lines if whole else range(node.line, node.line + node.text.count("\n") + 1)
        self.reading.use(lines)
        self.body.notes.append((self.reading.md.raw_lines(lines[0], lines[-1]).strip(), node.kind == ITEM))

    def paragraph(self, node: Node) -> None:
        first = plain(node.text.split("\n")[0])
        said = times.said(first) if times.TIME_LINE.match(first) else None
        if _PROGRESS.match(first):
            self.reading.drop(node, "a progress-tracking instruction: the workflow's plan holds the task list")
        elif said is not None and self.body.time is None:
            self.body.time, self.body.time_line = said, node.line
            self.reading.use_node(node)
        elif declares_parallel(node.text):
            self.body.parallel = node.line
            self.reading.use_node(node)
        elif self.explicit_entries(node):
            return
        elif _LABEL.match(node.text) and re.search(r"\b(?:tasks|agents|subagents|steps)\b", first, re.IGNORECASE):
            self.reading.use_node(node)  # `**Tasks**:` over the entries: structure, not content
        else:
            self.body.parallel = 0 if _AFTER.match(first) or _SERIAL.search(first) else self.body.parallel
            self.note(node)

    def explicit_entries(self, node: Node) -> bool:
        named = [m for m in agents.mentions(node.text, self.reading.known) if m.how in _EXPLICIT]
        for mention in named:
            self.add(make_entry(self.reading, node, node.text, mention, node.text))
        if named:
            self.reading.use_node(node)
        return bool(named)

    def item(self, node: Node) -> None:
        named = agents.mentions(node.text, self.reading.known)
        if named:
            for mention in named:
                self.add(make_entry(self.reading, node, node.text, mention, item_text(self.reading, node)))
            self.reading.use_node(node)
        elif any(agents.mentions(child.text, self.reading.known) for c in node.children for child in c.walk()
                 if child.kind == ITEM):
            self.note(node, whole=False)
            for child in node.children:
                self.node(child)
        else:
            self.note(node)

    def table(self, node: Node) -> bool:
        columns = table_columns(node.rows[0]) if node.rows else {}
        if "agent" not in columns:
            return False
        for offset, row in enumerate(node.rows[1:], start=2):
            entry = row_entry(row, columns, node.line + offset)
            if entry is not None:
                self.add(entry)
        self.reading.use_node(node)
        return True

    def section(self, section: Section) -> None:
        named = {m.name for n in section.nodes() for m in agents.mentions(n.text, self.reading.known)}
        if len(named) == 1:
            self.add(heading_entry(self.reading, section, named.pop()))
        elif named:
            self.reading.use_node(section.heading)  # type: ignore[arg-type]  # a label over its entries
            self.read(section.body, section.subsections)
        elif self.trailing_work and self.body.entries and _REPORTISH.search(section.title):
            self.body.parallel = 0
            self.add(heading_entry(self.reading, section, ""))
        else:
            for node in section.nodes():
                self.reading.use_node(node)
            end = max(n.end for n in section.nodes())
            self.body.notes.append((self.reading.md.raw_lines(section.line, end), False))

    def add(self, entry: Entry) -> None:
        self.body.entries.append((entry, self.body.parallel))


def item_text(reading: Reading, node: Node) -> str:
    """An item's markdown without its list marker, its nested lines dedented."""
    lines = list(reading.md.lines[node.line - 1:node.end])
    first = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?", "", lines[0])
    return (first + "\n" + textwrap.dedent("\n".join(lines[1:]))).strip()


def make_entry(reading: Reading, node: Node, own: str, mention: agents.Mention, text: str) -> Entry:
    title, hint = title_for(own, mention)
    seconds = _own_seconds(own)
    condition = _CONDITION.search(own)
    repeats = _REPEATS.search(plain(own))
    details = [child.text for child in node.walk()]
    return Entry(mention.name, title, text, node.line, hint, mention.how == "lead" and mention.start == 0, seconds,
                 outputs_in(details), inputs_in(details), condition.group(0) if condition else "",
                 repeats.group(0) if repeats else "")


def heading_entry(reading: Reading, section: Section, agent: str) -> Entry:
    """A sub-section as one entry: its heading the title, its blocks the prompt (progress
    instructions and rules left out)."""
    reading.use_node(section.heading)  # type: ignore[arg-type]
    kept: List[str] = []
    for node in section.body:
        if node.kind == PARAGRAPH and _PROGRESS.match(plain(node.text.split("\n")[0])):
            reading.drop(node, "a progress-tracking instruction: the workflow's plan holds the task list")
            continue
        reading.use_node(node)
        if node.kind != RULE:
            kept.append(item_text(reading, node) if node.kind == ITEM else reading.md.raw(node))
    for part in section.subsections:
        reading.use_section(part)
        kept.append(reading.md.raw_lines(part.line, max(n.end for n in part.nodes())))
    title = _HEADING_PREFIX.sub("", section.title).strip() or section.title
    details = [n.text for n in section.nodes()]
    condition = _CONDITION.search(section.heading.text) if section.heading else None
    return Entry(agent, _title_case(title), "\n\n".join(kept).strip() or title, section.line, title, False,
                 _own_seconds(section.title), outputs_in(details), inputs_in(details),
                 condition.group(0) if condition else "")


def title_for(own: str, mention: agents.Mention) -> Tuple[str, str]:
    """(title, short title naming the step or "") from an entry's own words and how it named its agent."""
    before, after = own[:mention.start], own[mention.end:]
    bold = re.match(r"^\s*(?:\*\*|__)(?P<t>[^*_]+)(?:\*\*|__)", own)
    if mention.how == "lead":
        rest = re.sub(r"^\s*[:\-–—]\s*", "", after)
        return _sentence(rest) if not re.match(r"^\s*\(", rest) else "", ""
    if mention.how == "paren" and (bold or plain(before)):
        short = plain(bold.group("t")) if bold else plain(before)
        return _title_case(short), short
    purpose = re.match(r"^[^.;]*?\b(?:to|for)\s+(?P<t>.+)$", after)
    if mention.how in ("use", "prose", "subagent_type", "at") and purpose:
        short = _sentence(purpose.group("t"))
        return short, short
    if mention.how == "by" and plain(before):
        short = _title_case(re.sub(r"\s+by\s*$", "", plain(before)))
        return short, short
    return _sentence(before + " " + after), ""


def _sentence(markdown: str) -> str:
    """The first sentence, capitalised, at most 80 characters."""
    line = re.split(r"(?<=[.!?])\s", plain(markdown), maxsplit=1)[0].strip(" .:;,-–—")
    if len(line) > 80:
        line = line[:80].rsplit(" ", 1)[0].rstrip(" ,;:") + "..."
    return _title_case(line)


def _title_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _own_seconds(own: str) -> Optional[float]:
    first = plain(own.split("\n")[0])
    match = _OWN_TIME.search(first)
    said = times.said(match.group(1)) if match else None
    return None if said is None else (said.low + said.high) / 2


def outputs_in(texts: Sequence[str]) -> Tuple[Tuple[str, str], ...]:
    """Context names an entry declares it writes: `**Output**: `codebase-context` (cached)`."""
    found = []
    for text in texts:
        match = _OUTPUT.match(text)
        if match:
            what = plain(_TICKED.sub("", match.group("rest"))).strip(" ()") or "Written by the legacy step"
            found += [(context_name(name), _title_case(what)) for name in _TICKED.findall(match.group("rest"))]
    return tuple(dict.fromkeys(found))


def inputs_in(texts: Sequence[str]) -> Tuple[str, ...]:
    found = []
    for text in texts:
        for match in _INPUT.finditer(text):
            found += [context_name(name) for name in _TICKED.findall(match.group(1))]
    return tuple(dict.fromkeys(found))


def context_name(name: str) -> str:
    text = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")
    return text if re.match(r"^[a-z]", text) else f"data-{text}"


def table_columns(header: Sequence[str]) -> Dict[str, int]:
    """Which column of a table holds what: agent, title, time, phase."""
    columns: Dict[str, int] = {}
    for index, cell in enumerate(header):
        name = plain(cell).lower()
        for key, words in (("agent", r"agent|subagent"), ("phase", r"phase|stage|wave|step"),
                           ("time", r"time|duration|minutes|mins|estimate"),
                           ("title", r"task|description|what|action|responsib|purpose|title|work|focus")):
            if re.search(words, name) and key not in columns:
                columns[key] = index
                break
    return columns


def row_entry(row: Sequence[str], columns: Dict[str, int], line: int) -> Optional[Entry]:
    def cell(key: str) -> str:
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else ""

    name = plain(cell("agent")).strip("`@ ")
    if not re.match(rf"^{agents.NAME}$", name):
        return None
    said = times.said(plain(cell("time")))
    title = _sentence(cell("title")) or f"Run {name}"
    text = " | ".join(plain(c) for c in row if plain(c))
    seconds = None if said is None else (said.low + said.high) / 2
    return Entry(name, title, text, line, title if cell("title") else "", False, seconds)
