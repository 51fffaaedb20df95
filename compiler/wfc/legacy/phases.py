"""Where a command's work is: its phases, in any of the shapes commands use.

- phase headings: `### Phase 1: Threat Modeling (0-20 mins)`, `## Phase 2`, `### Step 3: Fix`,
  `## Stage 1`, `### Wave 1`, `### 1. **Planning Phase**`; the sibling headings between the first
  and the last of them are phases too (`### 5. **Adaptive Re-planning**` between phases 4 and 6);
- phase items: `1. **Analysis Phase**` with the phase's entries nested under it;
- bold phase lines: a paragraph that is only `**Step 1: Parse Input**`;
- none of these: the agent entries wherever they are form one unnamed phase (`ENTRIES`);
- no agent entries either: the whole body is one prompt (`SINGLE`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import List, Optional, Sequence, Tuple

from wfc.legacy import times
from wfc.legacy.docs import ASIDE, section_kind
from wfc.legacy.entries import BodyReader, declares_parallel
from wfc.legacy.structure import ITEM, PARAGRAPH, Node, Section, plain
from wfc.legacy.records import Entry, Phase, Unit
from wfc.diagnostics.codes import IMPORT_DROPPED
from wfc.legacy.reading import Reading

_NUMBERED = re.compile(r"^(?:\d+[.)]\s+)?(?P<word>(?:phase|stage|step|wave)s?)\s*"
                       r"(?P<num>\d+[a-z]?(?:\s*(?:-|–|—|&|and|to)\s*\d+[a-z]?)?)\b\s*(?P<rest>.*)$", re.IGNORECASE)
_NAMED = re.compile(r"^(?:\d+[.)]\s+)?(?P<name>(?:[\w&/'+-]+\s+){1,5}(?:phase|stage))(?=\s*(?:$|[:(\-–—]))\s*"
                    r"(?P<rest>.*)$", re.IGNORECASE)
_ARROW = re.compile(r"→|->|⟶")
_SEPARATORS = " -–—:.()[]"  # around a name in a heading that does not say "phase"


@dataclass(frozen=True)
class PhaseSource:
    """A phase as found: its label, where it starts, the words that may give its time, its blocks."""

    label: str
    line: int
    rest: str
    nodes: Tuple[Node, ...]
    subsections: Tuple[Section, ...]
    heading: Optional[Node]


def phase_title(text: str) -> Optional[Tuple[str, str]]:
    """(label, the words after the name) when a heading or bold line names a phase, else None."""
    line = plain(text)
    if _ARROW.search(line):
        return None  # `Phase 1 → Phase 2 Dependencies` describes a graph, not a phase
    numbered = _NUMBERED.match(line)
    if numbered:
        name, rest = _name_and_rest(numbered.group("rest"))
        head = f"{numbered.group('word').capitalize()} {' '.join(numbered.group('num').split())}"
        return (f"{head}: {name}" if name else head), numbered.group("rest")
    named = _NAMED.match(line)
    if named:
        name, _ = _name_and_rest(named.group("rest"))
        return " ".join(named.group("name").split()) + (f": {name}" if name else ""), named.group("rest")
    return None


def _name_and_rest(rest: str) -> Tuple[str, str]:
    """The phase's name with its time and percentage taken out: `Threat Modeling (0-20 mins)`."""
    said = times.said(rest)
    if said is not None:
        rest = rest[:said.span[0]] + rest[said.span[1]:]
    rest = re.sub(r"\(\s*~?\d+(?:\.\d+)?\s*%[^)]*\)", "", rest)
    rest = re.sub(r"\(\s*\)", "", rest)
    name = " ".join(rest.strip(" -–—:.").split())
    return name, rest


def label_of(text: str) -> str:
    """A phase label for a heading between phases that does not say "phase" itself."""
    found = phase_title(text)
    return found[0] if found else re.sub(r"^\d+[.)]\s*", "", plain(text)).strip(_SEPARATORS)


def _is_work(section: Section) -> bool:
    return section_kind(section.title) in ("", ASIDE) or section.title == ""


def heading_phases(top: Section) -> List[PhaseSource]:
    """The first run of sibling phase headings, outside the docs sections."""
    for parent in _work_sections(top):
        marked = [i for i, s in enumerate(parent.subsections) if s.heading and phase_title(s.heading.text)]
        if marked:
            run = parent.subsections[marked[0]:marked[-1] + 1]
            return [lifted for section in run for lifted in _lifted(_from_section(section))]
    return []


def _lifted(source: PhaseSource) -> List[PhaseSource]:
    """A phase written inside another (`### Phase 3` under `## Phase 2`, a `**Phase 2: ...**` line
    in `## Stage 1`) is the next phase, not part of the one above it; a `### Step` inside a phase
    is that phase's entry."""
    nodes = list(source.nodes)
    marks = [i for i, node in enumerate(nodes) if _bold_phase(node) and _is_phase_word(node.text)]
    parts = [replace(source, nodes=tuple(nodes[:marks[0] if marks else len(nodes)]), subsections=())]
    for start, end in zip(marks, marks[1:] + [len(nodes)]):
        node = nodes[start]
        parts.append(PhaseSource(label_of(node.text), node.line, (phase_title(node.text) or ("", ""))[1],
                                 tuple(nodes[start + 1:end]), (), node))
    for section in source.subsections:
        if section.heading is not None and phase_title(section.heading.text) and _is_phase_word(section.heading.text):
            parts.extend(_lifted(_from_section(section)))
        else:
            parts[-1] = replace(parts[-1], subsections=parts[-1].subsections + (section,))
    return parts


def _is_phase_word(text: str) -> bool:
    return not re.match(r"^(?:\d+[.)]\s+)?step", plain(text), re.IGNORECASE)


def _work_sections(section: Section) -> List[Section]:
    found = [section]
    for child in section.subsections:
        if _is_work(child) and section_kind(child.title) != ASIDE:
            found += _work_sections(child)
    return found


def _from_section(section: Section) -> PhaseSource:
    text = section.heading.text if section.heading else ""
    found = phase_title(text)
    return PhaseSource(label_of(text), section.line, found[1] if found else "", section.body,
                       section.subsections, section.heading)


def item_phases(top: Section) -> List[PhaseSource]:
    """`1. **Analysis Phase**` items with their entries nested under them."""
    for section in _work_sections(top):
        items = [node for node in section.body if node.kind == ITEM]
        marked = [i for i, item in enumerate(items) if _item_phase(item)]
        if marked:
            return [PhaseSource(label_of(_lead(item)), item.line, (phase_title(_lead(item)) or ("", ""))[1],
                                item.children, (), item) for item in items[marked[0]:marked[-1] + 1]]
    return []


def _lead(item: Node) -> str:
    bold = re.match(r"^\s*(?:\*\*|__)(?P<t>[^*_]+)(?:\*\*|__)(?P<rest>.*)$", item.text)
    return f"{bold.group('t')} {bold.group('rest')}" if bold else item.text


def _item_phase(item: Node) -> bool:
    return bool(re.match(r"^\s*(?:\*\*|__)", item.text)) and phase_title(_lead(item)) is not None


def bold_line_phases(top: Section) -> List[PhaseSource]:
    """A paragraph that is only `**Step 1: Parse Input**` starts a phase, up to the next one."""
    for section in _work_sections(top):
        marks = [i for i, node in enumerate(section.body) if _bold_phase(node)]
        if marks:
            bounds = marks + [len(section.body)]
            return [PhaseSource(label_of(section.body[start].text), section.body[start].line,
                                (phase_title(section.body[start].text) or ("", ""))[1],
                                tuple(section.body[start + 1:end]), (), section.body[start])
                    for start, end in zip(bounds, bounds[1:])]
    return []


def _bold_phase(node: Node) -> bool:
    return (node.kind == PARAGRAPH and "\n" not in node.text and bool(re.match(r"^\s*(?:\*\*|__).+(?:\*\*|__)\s*:?\s*$",
            node.text)) and phase_title(node.text) is not None)


def find(top: Section) -> List[PhaseSource]:
    return heading_phases(top) or item_phases(top) or bold_line_phases(top)


def read_phase(source: PhaseSource, reading: Reading) -> Tuple[Phase, Optional[times.Said]]:
    """One phase's entries, units and notes; its time as the text said it (resolved later, with the
    other phases' times, by `times.resolve`)."""
    if source.heading is not None:
        reading.use_node(source.heading) if source.heading.kind != ITEM else reading.use([source.line])
    reader = BodyReader(reading)
    if declares_parallel(source.rest) or re.search(r"\bparallel\b", source.label, re.IGNORECASE):
        reader.body.parallel = source.line
    body = reader.read(source.nodes, source.subsections)
    said = times.said(source.rest) if source.rest else None
    _warn_times(source, reading, said)
    said = said or body.time
    phase = Phase(source.label, source.line, said.text if said else "", None, body.units(), body.notes_text())
    if not phase.units:
        phase = _as_one_step(phase, reading, source)
    return phase, said


def _warn_times(source: PhaseSource, reading: Reading, said: Optional[times.Said]) -> None:
    share = times.percentage(source.rest)
    if share and said is None:
        reading.warn(IMPORT_DROPPED, source.line, f"`{share}` in phase `{source.label}` is a share, not a duration: "
                     "the phase gets no estimate", "give the phase a time such as (0-20 mins)")
    if times.reversed_range(source.rest):
        reading.warn(IMPORT_DROPPED, source.line, f"the time in `{plain(source.rest)}` ends before it starts: "
                     f"phase `{source.label}` gets no estimate", "write the range in order, e.g. (20-50 minutes)")


def _as_one_step(phase: Phase, reading: Reading, source: PhaseSource) -> Phase:
    """A phase that names no agent is one piece of work: its lines are the prompt."""
    name = phase.label.split(": ", 1)[-1]
    entry = Entry("", name, phase.notes or name, source.line, name)
    return Phase(phase.label, phase.line, phase.time_text, phase.seconds, (Unit((entry,)),), "")


def implicit_phase(top: Section, reading: Reading, sections: Sequence[Section],
                   nodes: Sequence[Node]) -> Optional[Phase]:
    """The agent entries of a command without phases, read as one unnamed phase: the blocks above the
    first section (a declaration there that the agents run together holds for all of them) and the
    sections of work."""
    reader = BodyReader(reading, trailing_work=True)
    body = reader.read(nodes, sections)
    if not body.entries:
        return None
    return Phase("", top.line, body.time.text if body.time else "", None, body.units(), body.notes_text())
