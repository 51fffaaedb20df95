"""The sections around the work: purpose, usage, success criteria and outputs become the
workflow's `docs`; parameter lists become arguments (see `wfc.legacy.arguments`); the rest
(coordination diagrams, notes, troubleshooting) has no place in a workflow and is reported.
"""
from __future__ import annotations

import re
from typing import Iterator, List, Optional, Tuple

from wfc.legacy.structure import FENCE, HEADING, ITEM, PARAGRAPH, Node, Section, plain
from wfc.legacy.records import Docs
from wfc.legacy.reading import Reading

PURPOSE, USAGE, SUCCESS, OUTPUTS, PARAMETERS, ASIDE = "purpose", "usage", "success", "outputs", "parameters", "aside"
_KINDS = (
    (PURPOSE, r"purpose|overview|about|summary|goals?|objectives?|why"),
    (USAGE, r"usage(?: examples?)?|examples?(?: workflows?| usage)?|how to (?:use|run)|invocation|syntax|quick start"),
    (SUCCESS, r"success (?:criteria|metrics)|acceptance criteria|definition of done|done when"),
    (OUTPUTS, r"(?:expected )?outputs?(?: structure| format)?|deliverables|artifacts|results"),
    (PARAMETERS, r"parameters|arguments|args|options|flags|configuration(?: options)?"),
    (ASIDE, r"notes?|tips?|best practices|troubleshooting|related(?: commands)?|see also|version history|license|"
            r"contributing|integration(?: points)?.*|estimated (?:execution )?time|estimated effort|faq"),
)
_PATTERNS = tuple((kind, re.compile(rf"^(?:\d+[.)]\s*)?(?:{words})\b", re.IGNORECASE)) for kind, words in _KINDS)
_EXAMPLE_TITLE = re.compile(r"^example\s*\d*\s*[:.\-–—]?", re.IGNORECASE)


def section_kind(title: str) -> str:
    """What a section is for, by its heading: one of the kinds above, or "" for work or unknown."""
    for kind, pattern in _PATTERNS:
        if pattern.match(title.strip()):
            return kind
    return ""


def top_sections(top: Section) -> Iterator[Section]:
    """The sections directly under the command's title, where purpose, usage, ... live."""
    yield from top.subsections


def command_names(stem: str, title: str) -> Tuple[str, ...]:
    """The names a usage line may call the command by: its file stem, the stem without a version
    suffix (`review-all-v2` shows `/review-all`), and a `/name` in its title."""
    names = [stem, re.sub(r"[-_.]?v\d+(?:\.\d+)*$", "", stem)]
    names += re.findall(r"/([a-z][\w-]*)", title)
    return tuple(dict.fromkeys(n for n in names if n))


def collect(top: Section, reading: Reading, stem: str, flow: Tuple[int, ...]) -> Docs:
    """The docs fields from the sections that hold them, marking their lines used."""
    purpose: List[str] = []
    usage: List[str] = []
    success: List[str] = []
    outputs: List[str] = []
    for section in top_sections(top):
        kind = section_kind(section.title)
        if section.line in flow or not kind:
            continue
        if kind == PURPOSE:
            purpose.append(_prose(section, reading))
        elif kind == USAGE:
            usage += invocations(section, command_names(stem, top.title), reading)
        elif kind == SUCCESS:
            success += _bullets(section, reading)
        elif kind == OUTPUTS:
            outputs += _outputs(section, reading)
    return Docs("\n\n".join(p for p in purpose if p), tuple(dict.fromkeys(usage)), tuple(success), tuple(outputs))


def _prose(section: Section, reading: Reading) -> str:
    """The section's text as markdown, as written (its heading left out)."""
    reading.use_section(section)
    nodes = [n for n in section.nodes() if n.kind != HEADING or n is not section.heading]
    if not nodes:
        return ""
    start = min(n.line for n in nodes)
    end = max(n.end for n in nodes)
    return reading.md.raw_lines(start, end).strip()


def _bullets(section: Section, reading: Reading) -> List[str]:
    """One criterion per item or paragraph; a subsection's title prefixes its own."""
    found: List[str] = []
    for part in section.sections():
        prefix = f"{part.title}: " if part is not section and part.title else ""
        if part.heading is not None:
            reading.use_node(part.heading)
        for node in part.body:
            for item in node.walk():
                if item.kind in (ITEM, PARAGRAPH) and plain(item.text):
                    found.append(prefix + plain(item.text))
                    reading.use(range(item.line, item.line + item.text.count("\n") + 1))
    return found


def _outputs(section: Section, reading: Reading) -> List[str]:
    """One output per subsection ("Threat Model Report: STRIDE analysis; attack trees"), per
    item, or per code block (an output tree)."""
    found = [_joined(node, reading) for node in section.body if node.kind in (ITEM, PARAGRAPH, FENCE)
             and not (node.kind == PARAGRAPH and node.text.rstrip().endswith(":"))]
    for node in section.body:
        reading.use_node(node)  # a lead-in ("The orchestration will produce:") is the list's structure
    for part in section.subsections:
        details = [plain(n.text) for node in part.body for n in node.walk() if n.kind in (ITEM, PARAGRAPH)]
        fences = [n.text for node in part.body for n in node.walk() if n.kind == FENCE]
        reading.use_section(part)
        head = re.sub(r"^\d+[.)]\s*", "", part.title)
        found.append(f"{head}: {'; '.join(d for d in details if d)}" if details else head)
        found += fences
    if section.heading is not None:
        reading.use_node(section.heading)
    return [text for text in found if text]


def _joined(node: Node, reading: Reading) -> str:
    reading.use_node(node)
    for child in node.walk():
        reading.use_node(child)
    if node.kind == FENCE:
        return node.text
    parts = [plain(child.text) for child in node.walk() if child.kind in (ITEM, PARAGRAPH)]
    return parts[0] + (f": {'; '.join(parts[1:])}" if len(parts) > 1 else "") if parts else ""


def invocations(section: Section, names: Tuple[str, ...], reading: Reading) -> List[str]:
    """Each `/name ...` the section shows, in code blocks or inline code, with the lines that
    continue its request; the example's output and commentary stay out."""
    found: List[str] = []
    called = "|".join(re.escape(name) for name in names)
    for node in section.nodes():
        if node.kind == FENCE:
            found += _in_fence(node, called, reading)
        elif node.kind in (ITEM, PARAGRAPH):
            for match in re.finditer(rf"`(/(?:{called})(?:\s[^`]*)?)`", node.text):
                found.append(match.group(1).strip())
                reading.use([node.line])
        if node.kind == HEADING and node is section.heading:
            reading.use_node(node)
    return found


def _in_fence(node: Node, called: str, reading: Reading) -> List[str]:
    lines = node.text.split("\n")
    found: List[str] = []
    index = 0
    while index < len(lines):
        if re.match(rf"^\s*(?:\$\s*|>\s*)?/(?:{called})(?:\s|$)", lines[index]):
            first = index
            request, index = _request(lines, index)
            found.append(request)
            reading.use(range(node.line + 1 + first, node.line + 1 + index))
            reading.use([node.line, node.end])
        else:
            index += 1
    return found


def _request(lines: List[str], start: int) -> Tuple[str, int]:
    """An invocation line and the lines that continue it: until a blank line, a comment or the next
    invocation."""
    taken = [re.sub(r"^\s*(?:\$\s*|>\s*)", "", lines[start]).rstrip().rstrip("\\").rstrip()]
    index = start + 1
    while index < len(lines) and lines[index].strip() and not re.match(r"^\s*(?:#|/|\$ |>)", lines[index]):
        if re.match(r"^\s*[\w ]+:\s*$", lines[index]) and not taken[-1].endswith(":"):
            break  # "Output:", "Interactive Wizard:": the example's result starts
        taken.append(lines[index].rstrip())
        index += 1
    return "\n".join(taken), index


def parameter_sections(top: Section) -> Iterator[Section]:
    for section in top_sections(top):
        if section_kind(section.title) == PARAMETERS:
            yield section


def first_paragraph(top: Section) -> Optional[Node]:
    """The command's one-line description when the frontmatter has none: the first paragraph that
    is not a `**Key**: value` line."""
    for node in top.body:
        if node.kind == PARAGRAPH and not re.match(r"^\s*(?:\*\*|__)[^*_]+(?:\*\*|__)\s*:", node.text):
            return node
    return None
