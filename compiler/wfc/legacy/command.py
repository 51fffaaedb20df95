"""A command's text to a `LegacyCommand`: the readers in order, and the account of what was left.

Order matters: the frontmatter and the kind of file first (a README is refused before anything is
read into it), then the frame (title, description, the command's own time claim, the agent it puts
in charge), the work (phases, or entries, or one prompt), docs and arguments. Whatever no reader
used is listed, section by section, as a warning with its lines.
"""
from __future__ import annotations

import copy
import re
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from wfc.legacy import agents, arguments, frontmatter, kinds, phases, structure, times
from wfc.legacy.docs import ASIDE, USAGE, collect, first_paragraph, parameter_sections, section_kind
from wfc.legacy.structure import ITEM, PARAGRAPH, QUOTE, Section, plain
from wfc.legacy.records import ENTRIES, PHASED, SINGLE, Argument, Entry, Frame, LegacyCommand, Phase, Unit
from wfc.diagnostics.codes import IMPORT_DROPPED
from wfc.legacy.reading import Reading

_STATED = re.compile(r"^\W*(?:estimated (?:time|duration)|execution time|duration|total time)\W*\s*:", re.IGNORECASE)
_THIS_FILE = re.compile(r"\bthis (?:file|command)\b", re.IGNORECASE)


def read(text: str, source: str, path: Optional[Path]) -> Tuple[LegacyCommand, agents.Roster]:
    lines = text.split("\n")
    meta, warnings = frontmatter.read(lines, source)
    kinds.refuse(text, source, lines, meta)
    md = structure.parse(lines, meta.end + 1)
    roster = agents.roster(path, source)
    reading = Reading(md, source, roster.known, warnings=list(warnings))
    reading.use(_frontmatter_used(meta))
    top = _top(md.root)
    stem = source.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    frame = _frame(top, meta, reading, stem)
    shape, found, reading = _work(top, reading, frame)
    docs = collect(top, reading, stem, tuple(phase.line for phase in found))
    if not frame.description:
        frame = replace(frame, description=plain(docs.purpose.split("\n\n")[0]) or frame.title)
    frame = replace(frame, intro=_intro(top, reading))
    inputs = _arguments(top, meta, reading, docs.usage, stem)
    _compare_stated(frame, found, shape, reading)
    _format_gaps(found, reading)
    _one_based(reading)
    _use_headings(top, reading)
    dropped = reading.dropped_lines(1)
    _report_dropped(reading, top, dropped)
    command = LegacyCommand(frame, shape, tuple(found), inputs, docs, tuple(dropped), tuple(reading.warnings))
    return command, roster


def _intro(top: Section, reading: Reading) -> str:
    """The paragraphs above the first section that nothing else took: what the command is for."""
    kept = [n for n in top.body if n.kind in (PARAGRAPH, QUOTE, ITEM) and not set(n.lines) & reading.used
            and not re.match(r"^\s*(?:\*\*|__)[^*_]+(?:\*\*|__)\s*:", n.text)]
    for node in kept:
        reading.use_node(node)
        for child in node.walk():
            reading.use_node(child)
    return "\n\n".join(reading.md.raw(node) for node in kept)


def _frontmatter_used(meta: frontmatter.Frontmatter) -> List[int]:
    if not meta.end:
        return []
    dropped = {line for key, line in meta.lines if key not in frontmatter.KNOWN}
    return [line for line in range(1, meta.end + 1) if line not in dropped]


def _top(root: Section) -> Section:
    """The command's title section when the file has one `# Title` over everything."""
    if not root.body and len(root.subsections) == 1 and root.subsections[0].level == 1:
        return root.subsections[0]
    return root


def _frame(top: Section, meta: frontmatter.Frontmatter, reading: Reading, stem: str) -> Frame:
    if top.heading is not None:
        reading.use_node(top.heading)
    described = first_paragraph(top)
    description = str(meta.get("description") or "").strip()
    if not description and described is not None:
        description = plain(described.text)
        reading.use_node(described)
    stated = _stated(top, reading)
    lead = _lead(top, reading)
    model = str(meta.get("model") or "")
    return Frame(reading.source, stem, top.title or str(meta.get("name") or stem), description,
                 "" if model == "inherit" else model, frontmatter.tools(meta.get("allowed-tools")),
                 lead[0] or str(meta.get("agent") or ""), lead[1], *stated, tuple(_named(meta)))


def _stated(top: Section, reading: Reading) -> Tuple[Optional[float], str, int]:
    """The command's own claim of its time: `**Estimated Time**: 30-45 minutes` above the first
    section, or a line about "this file" that gives a duration."""
    for node in (n for block in top.body for n in block.walk() if n.kind in (PARAGRAPH, ITEM)):
        for offset, line in enumerate(node.text.split("\n")):
            text = plain(line)
            said = times.said(text)
            if said is not None and (_STATED.match(text) or _THIS_FILE.search(text) and times.count(text) == 1):
                reading.use([node.line + offset])
                return said.high, said.text, node.line + offset
    return None, "", 0


def _lead(top: Section, reading: Reading) -> Tuple[str, int]:
    """The agent the text puts in charge of the whole command ("Use the **master-strategist**
    agent to coordinate ...", "using the **workflow-orchestrator** agent"), said outside any phase:
    above the first section, or in the body of a section that is not a phase."""
    bodies = [top.body] + [s.body for s in top.sections() if s is not top and _outside_phases(s)]
    for node in (n for body in bodies for n in body if n.kind == PARAGRAPH):
        named = [m for m in agents.mentions(node.text, reading.known) if m.how == "prose"]
        if named:
            reading.use_node(node)
            return named[0].name, node.line
    return "", 0


def _outside_phases(section: Section) -> bool:
    return section_kind(section.title) in ("", "purpose") and not (
        section.heading is not None and phases.phase_title(section.heading.text))


def _work(top: Section, reading: Reading, frame: Frame) -> Tuple[str, List[Phase], Reading]:
    sources = phases.find(top)
    if sources:
        read = [phases.read_phase(source, reading) for source in sources]
        return PHASED, _timed(read, reading), reading
    trial = copy.deepcopy(reading)
    work = [s for s in top.subsections if section_kind(s.title) == ""]
    found = phases.implicit_phase(top, trial, work, [n for n in top.body if not set(n.lines) <= trial.used])
    if found is not None:
        return ENTRIES, _timed([(found, None)], trial), trial
    return SINGLE, [_single(top, reading, frame)], reading


def _single(top: Section, reading: Reading, frame: Frame) -> Phase:
    """The whole body as one prompt: what Claude Code sends when the command runs."""
    start = reading.md.first_line
    reading.use(range(start, len(reading.md.lines) + 1))
    text = reading.md.raw_lines(start, len(reading.md.lines)).strip()
    entry = Entry(frame.lead_agent, frame.title, text, start, frame.stem, seconds=frame.stated_seconds)
    return Phase("", start, frame.stated_text, frame.stated_seconds, (Unit((entry,)),))


def _timed(read: Sequence[Tuple[Phase, Optional[times.Said]]], reading: Reading) -> List[Phase]:
    """Each phase's seconds, its times read together (windows or estimates, see `times`); where
    every entry gives its own time, those times instead."""
    saids = [said for _, said in read]
    seconds = times.resolve(saids)
    ranges = [s for s in saids if s is not None and s.is_range]
    if ranges and not times.is_window_chain([s for s in saids if s is not None]):
        first = next(phase for phase, said in read if said is not None and said.is_range)
        reading.warn(IMPORT_DROPPED, first.line,
                     f"the phase times (`{ranges[0].text}`, ...) are estimates, not windows on one clock "
                     "(they do not run on from 0): each phase counts the midpoint of its range",
                     "write the phases as windows, e.g. (0-20 mins), (20-45 mins), if that is what they are")
    timed: List[Phase] = []
    for (phase, _), value in zip(read, seconds):
        own = [entry.seconds for entry in phase.entries]
        if phase.entries and all(s is not None for s in own):
            value = sum(max(e.seconds or 0.0 for e in unit.entries) for unit in phase.units)
        timed.append(replace(phase, seconds=value))
    return timed


def _arguments(top: Section, meta: frontmatter.Frontmatter, reading: Reading, usage: Sequence[str],
               stem: str) -> Tuple[Argument, ...]:
    seen: List[arguments.Seen] = []
    named = _named(meta)
    seen = [arguments.Seen(arguments.identifier(n), False, None, False, line=meta.line_of("arguments")) for n in named]
    hint = str(meta.get("argument-hint") or "")
    seen += arguments.hint_tokens(hint, meta.line_of("argument-hint"))
    for section in parameter_sections(top):
        seen += _parameters(section, reading)
    for invocation in usage:
        seen += arguments.usage_tokens(re.sub(r"^/\S+\s*", "", invocation.split("\n", 1)[0]), 0)
    if any(not s.flag and s.name != arguments.REQUEST for s in seen):
        seen = [s for s in seen if s.name != arguments.REQUEST]
    body = "\n".join(reading.md.lines[reading.md.first_line - 1:])
    words, _ = arguments.placeholders_in(body, named)
    return arguments.merge(seen, max(words) + 1 if words else 0)


def _named(meta: frontmatter.Frontmatter) -> List[str]:
    value = meta.get("arguments")
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value).replace(",", " ").split() if value else []


def _parameters(section: Section, reading: Reading) -> List[arguments.Seen]:
    found: List[arguments.Seen] = []
    for node in section.nodes():
        item = arguments.parameter_item(node.text, node.line) if node.kind == ITEM else None
        if item is not None:
            found.append(item)
            reading.use([node.line])
        elif node.kind != ITEM and node is not section.heading:
            continue
        if section.heading is not None:
            reading.use_node(section.heading)
    for part in section.subsections:
        if part.heading is not None and any(n.line in reading.used for n in part.nodes()):
            reading.use_node(part.heading)
    return found


def _compare_stated(frame: Frame, found: Sequence[Phase], shape: str, reading: Reading) -> None:
    """A command that claims one total and budgets its phases to another says so."""
    total = sum(phase.seconds or 0.0 for phase in found)
    if shape != SINGLE and frame.stated_seconds and total and abs(total - frame.stated_seconds) >= 1:
        reading.warn(IMPORT_DROPPED, frame.stated_line,
                     f"the command states `{frame.stated_text}` but its phases add up to {total / 60:g} min; "
                     "the import keeps the phases' times", "")


def _format_gaps(found: Sequence[Phase], reading: Reading) -> None:
    """What the text asks for that the format cannot say yet: one agent repeated over a list."""
    for entry in (e for phase in found for e in phase.entries if e.repeats):
        reading.warn(IMPORT_DROPPED, entry.line,
                     f"the text runs {entry.agent or 'this step'} `{entry.repeats}`: imported as one step that "
                     "covers the whole list", "split it into one step per item, or use `for_each` "
                     "once the format has it")


def _one_based(reading: Reading) -> None:
    """`$1` without `$0` was written for the numbering before Claude Code 2.1.19, when `$1` was the
    first word; today it is the second, and the import follows today's."""
    first = reading.md.first_line
    body = reading.md.lines[first - 1:]
    words, _ = arguments.placeholders_in("\n".join(body), ())
    if words and 0 not in words:
        line = next(i for i, text in enumerate(body, first) if re.search(rf"\${words[0]}(?![\w%]|[.,]\d)", text))
        reading.warn(IMPORT_DROPPED, line,
                     f"`${words[0]}` is word {words[0]} of the arguments (counting from 0 since Claude Code "
                     "2.1.19) and the command never uses `$0`: it may have been written for the old numbering, "
                     "where `$1` was the first word", "use `$0` for the first word, or name the words in `arguments:`")


def _use_headings(top: Section, reading: Reading) -> None:
    """A heading over lines that were used is the structure they came in: used too."""
    for section in top.sections():
        if section.heading is not None and any(
                line in reading.used for node in section.nodes() if node is not section.heading for line in node.lines):
            reading.use_node(section.heading)


def _report_dropped(reading: Reading, top: Section, dropped: Sequence[int]) -> None:
    """One warning per section that lost lines: which lines, why, and the agents they name."""
    reasons = {line: reason for lines, reason in reading.dropped_for for line in lines}
    groups: Dict[Tuple[str, str], List[int]] = {}
    owner = _owners(top)
    for line in dropped:
        title, kind = owner.get(line, ("", ""))
        reason = reasons.get(line) or _why(kind, title)
        groups.setdefault((title, reason), []).append(line)
    for (title, reason), lines in groups.items():
        where = f"section `{title}`" if title else "the text before the first section"
        named = sorted({m.name for line in lines for m in agents.mentions(reading.md.lines[line - 1], reading.known)})
        agents_note = f"; it names {', '.join(named)}" if named else ""
        reading.warn(IMPORT_DROPPED, lines[0], f"dropped: {_count(lines)} of {where} ({_spans(lines)}): {reason}"
                     f"{agents_note}", "copy what the workflow needs into a step's prompt or `docs`")


def _owners(top: Section) -> Dict[int, Tuple[str, str]]:
    owner: Dict[int, Tuple[str, str]] = {}
    for section in top.subsections:
        for node in section.nodes():
            for line in node.lines:
                owner[line] = (section.title, section_kind(section.title))
    return owner


def _why(kind: str, title: str) -> str:
    if kind == USAGE:
        return "the examples' output and commentary (their invocations are in `docs.usage`)"
    if kind == ASIDE:
        return "notes and guidance have no field in a workflow"
    if not title:
        return "metadata of the legacy command"
    return "a section outside the phases, which no step runs"


def _count(lines: Sequence[int]) -> str:
    return f"{len(lines)} line{'s' if len(lines) != 1 else ''}"


def _spans(lines: Sequence[int]) -> str:
    spans: List[str] = []
    start = previous = lines[0]
    for line in list(lines[1:]) + [None]:
        if line is not None and line == previous + 1:
            previous = line
            continue
        spans.append(f"{start}" if start == previous else f"{start}-{previous}")
        if line is not None:
            start = previous = line
    return ("line " if len(lines) == 1 else "lines ") + ", ".join(spans)
