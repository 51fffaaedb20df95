"""The structure of a markdown command: sections of headings, and in them paragraphs, list items
(nested), code blocks, tables and quotes, each with the lines it spans.

CommonMark is parsed by markdown-it-py rather than by line patterns, because real commands nest
lists under numbered items, put code blocks inside list items and indent by two, three or four
spaces; a hand-rolled reader got those wrong. Everything downstream reads this tree, never raw
lines, so "which lines did we use" is answerable exactly (see `Node.lines`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

HEADING = "heading"
PARAGRAPH = "paragraph"
ITEM = "item"
FENCE = "fence"
TABLE = "table"
QUOTE = "quote"
RULE = "rule"
HTML = "html"

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_SINGLE_EMPHASIS = re.compile(r"(?<![\w*])[*_](\S(?:.*?\S)?)[*_](?![\w*])")
_CHECKBOX = re.compile(r"^\[([ xX])\]\s+")
_SYMBOLS = re.compile(r"^[^\w\"'(\[`$/@<{]+")
_ORDERED = re.compile(r"^(\s*)(\d{1,9})([.)])(?=\s|$)")


@dataclass(frozen=True)
class Node:
    """One block. `line`/`end` are 1-based and inclusive; `text` is the block's markdown (a heading's
    or an item's own first paragraph, a fence's content); `children` are an item's or a quote's
    nested blocks."""

    kind: str
    line: int
    end: int
    text: str
    level: int = 0  # heading level; an item's nesting depth
    number: Optional[int] = None  # an ordered item's ordinal
    info: str = ""  # a fence's info string
    checked: Optional[bool] = None  # a task-list item's box
    rows: Tuple[Tuple[str, ...], ...] = ()  # a table's rows, header first
    children: Tuple["Node", ...] = ()

    @property
    def lines(self) -> range:
        return range(self.line, self.end + 1)

    def walk(self) -> Iterator["Node"]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Section:
    """A heading and what follows it up to the next heading of the same or a higher level."""

    heading: Optional[Node]
    body: Tuple[Node, ...]
    subsections: Tuple["Section", ...]

    @property
    def level(self) -> int:
        return self.heading.level if self.heading else 0

    @property
    def title(self) -> str:
        return plain(self.heading.text) if self.heading else ""

    @property
    def line(self) -> int:
        return self.heading.line if self.heading else (self.body[0].line if self.body else 1)

    def nodes(self) -> Iterator[Node]:
        """Every block of the section, its heading and its subsections' included, in order."""
        if self.heading:
            yield self.heading
        for node in self.body:
            yield from node.walk()
        for section in self.subsections:
            yield from section.nodes()

    def sections(self) -> Iterator["Section"]:
        yield self
        for section in self.subsections:
            yield from section.sections()


@dataclass(frozen=True)
class Markdown:
    """A parsed body: its lines (for positions and raw text) and its section tree."""

    lines: Tuple[str, ...]
    root: Section
    first_line: int  # the body's first line in the file (after any frontmatter)

    def raw(self, node: Node) -> str:
        return "\n".join(self.lines[node.line - 1:node.end]).rstrip()

    def raw_lines(self, start: int, end: int) -> str:
        return "\n".join(self.lines[start - 1:end]).rstrip()


def plain(markdown: str) -> str:
    """Inline markdown as a plain line: links to their text, emphasis, code marks and a task box
    dropped, leading emoji and symbols dropped."""
    text = _LINK.sub(r"\1", markdown)
    text = _EMPHASIS.sub("", text)
    text = _SINGLE_EMPHASIS.sub(r"\1", text)
    text = _CHECKBOX.sub("", " ".join(text.split()))
    return _SYMBOLS.sub("", text).strip()


def parse(lines: Sequence[str], first_line: int) -> Markdown:
    """The section tree of `lines`, whose first is line `first_line` of the file."""
    from markdown_it import MarkdownIt  # only `wfc import` reads markdown

    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse("\n".join(_as_first_items(lines[first_line - 1:])))
    nodes = _Builder(tokens, first_line - 1, lines).nodes()
    return Markdown(tuple(lines), _sections(nodes), first_line)


def _as_first_items(lines: Sequence[str]) -> List[str]:
    """Every ordered marker renumbered `1.` at the same width. CommonMark lets only a list that
    starts at 1 interrupt a paragraph, and commands write `**Tasks**:` directly above `5. ...`;
    the real ordinals are read back from the original lines."""
    return [_ORDERED.sub(lambda m: m.group(1) + "1".rjust(len(m.group(2))) + m.group(3), line) for line in lines]


class _Builder:
    """markdown-it's flat token stream to nested nodes, with file line numbers."""

    def __init__(self, tokens: Sequence[object], offset: int, lines: Sequence[str]) -> None:
        self.tokens = tokens
        self.index = 0
        self.offset = offset
        self.lines = lines

    def nodes(self, depth: int = 0, closing: str = "") -> List[Node]:
        found: List[Node] = []
        while self.index < len(self.tokens):
            token = self.tokens[self.index]
            if closing and token.type == closing:  # type: ignore[attr-defined]
                self.index += 1
                return found
            if token.type in ("bullet_list_open", "ordered_list_open"):  # type: ignore[attr-defined]
                self.index += 1  # a list is only a run of items: they become sibling nodes
                found.extend(self.nodes(depth, token.type.replace("_open", "_close")))  # type: ignore
                continue
            node = self.node(depth)
            if node is not None:
                found.append(node)
        return found

    def span(self, token: object) -> Tuple[int, int]:
        start, end = token.map or (0, 1)  # type: ignore[attr-defined]
        return start + 1 + self.offset, max(start + 1, end) + self.offset

    def node(self, depth: int) -> Optional[Node]:
        token = self.tokens[self.index]
        kind = token.type  # type: ignore[attr-defined]
        self.index += 1
        if kind == "heading_open":
            return self.heading(token)
        if kind == "paragraph_open":
            return self.paragraph(token)
        if kind == "list_item_open":
            return self.item(token, depth)
        if kind in ("fence", "code_block"):
            line, end = self.span(token)
            inner = self.lines[line:end - 1] if kind == "fence" else self.lines[line - 1:end]
            return Node(FENCE, line, end, "\n".join(inner).rstrip("\n"), info=token.info.strip())  # type: ignore
        if kind == "table_open":
            return self.table(token)
        if kind == "blockquote_open":
            line, end = self.span(token)
            return Node(QUOTE, line, end, "", children=tuple(self.nodes(depth, "blockquote_close")))
        if kind == "hr":
            line, end = self.span(token)
            return Node(RULE, line, end, "")
        if kind == "html_block":
            line, end = self.span(token)
            return Node(HTML, line, end, token.content.rstrip("\n"))  # type: ignore[attr-defined]
        return None

    def heading(self, token: object) -> Node:
        line, end = self.span(token)
        inline = self.tokens[self.index]
        self.index += 2  # inline, heading_close
        return Node(HEADING, line, end, inline.content, level=len(token.markup))  # type: ignore[attr-defined]

    def paragraph(self, token: object) -> Node:
        line, end = self.span(token)
        inline = self.tokens[self.index]
        self.index += 2  # inline, paragraph_close
        return Node(PARAGRAPH, line, end, inline.content)  # type: ignore[attr-defined]

    def item(self, token: object, depth: int) -> Node:
        line, end = self.span(token)
        inner = self.nodes(depth + 1, "list_item_close")
        ordinal = _ORDERED.match(self.lines[line - 1]) if token.info else None  # type: ignore[attr-defined]
        number = int(ordinal.group(2)) if ordinal else None
        text, checked = "", None
        if inner and inner[0].kind == PARAGRAPH and inner[0].line == line:
            text, inner = inner[0].text, inner[1:]
            box = _CHECKBOX.match(text)
            if box:
                checked, text = box.group(1) != " ", text[box.end():]
        end = max([end] + [child.end for child in inner])
        return Node(ITEM, line, _trimmed_end(end, inner, line), text, depth, number, checked=checked,
                    children=tuple(inner))

    def table(self, token: object) -> Node:
        line, end = self.span(token)
        rows: List[Tuple[str, ...]] = []
        row: List[str] = []
        while self.tokens[self.index].type != "table_close":  # type: ignore[attr-defined]
            current = self.tokens[self.index]
            if current.type == "tr_close":  # type: ignore[attr-defined]
                rows.append(tuple(row))
                row = []
            elif current.type == "inline":  # type: ignore[attr-defined]
                row.append(current.content.strip())  # type: ignore[attr-defined]
            self.index += 1
        self.index += 1
        return Node(TABLE, line, end, "", rows=tuple(rows))


def _trimmed_end(end: int, inner: Sequence[Node], line: int) -> int:
    """markdown-it counts the blank lines after an item as the item's; its last block ends it."""
    return inner[-1].end if inner else min(end, line)


def _sections(nodes: Sequence[Node]) -> Section:
    """Nest blocks under headings: a heading owns everything up to the next heading of its level or
    above."""
    stack: List[Tuple[Optional[Node], List[Node], List[Section]]] = [(None, [], [])]

    def close() -> None:
        heading, body, subsections = stack.pop()
        stack[-1][2].append(Section(heading, tuple(body), tuple(subsections)))

    for node in nodes:
        if node.kind == HEADING:
            while len(stack) > 1 and stack[-1][0].level >= node.level:  # type: ignore[union-attr]
                close()
            stack.append((node, [], []))
        elif stack[-1][2]:  # text after a subsection but before the next heading: the subsection's
            stack[-1][2][-1] = _appended(stack[-1][2][-1], node)
        else:
            stack[-1][1].append(node)
    while len(stack) > 1:
        close()
    heading, body, subsections = stack[0]
    return Section(heading, tuple(body), tuple(subsections))


def _appended(section: Section, node: Node) -> Section:
    return Section(section.heading, section.body + (node,), section.subsections)
