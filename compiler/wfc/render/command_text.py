"""How workflow text reads in the Claude Code command doc: two rewrites that are about Claude Code,
not markdown (the templates escape for markdown).

- templates: `{{ args.NAME }}` becomes `$NAME`, which Claude Code fills with the argument's word
  (frontmatter `arguments` lists the names; `$ARGUMENTS[N]`, zero-based, where a word character or
  `[` follows, since `$NAME` would not be read there), and `{{ context.NAME }}` becomes a `[[NAME]]`
  marker the model replaces with the producer's result; in a shell command, where Claude Code pastes
  the word as typed, the placeholder stands between single quotes, and a value known when the doc is
  written (an instance's item, the step's id) is quoted as `wfc run` quotes it;
- inert text: when the command loads, Claude Code fills in `$NAME`, `$N`, `$ARGUMENTS` and
  `${CLAUDE_*}` anywhere in the body and runs inline ``!`cmd` `` and blocks fenced with three
  backticks and `!`. In the workflow's own text a `\\` goes before a `$` Claude Code would fill
  (Claude Code drops it, so the model reads the `$` as written) and a zero-width space breaks the
  other forms; nothing else changes.
"""
from __future__ import annotations

import re
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

from wfc.format.shell_quoting import Context, QuotingRefused, quote
from wfc.format.templating import printed_lookups
from wfc.format.vocabulary import LOOP_NAMES
from wfc.model import Command, Step, Workflow
from wfc.model.fan_out import loop_data

_BANG = re.compile(r"(?<=!)(?=`)|(?<=```)(?=!)")
_ENVIRONMENT = re.compile(r"\$(?=\{(?:CLAUDE_[A-Z_]+|user_config\.)[^}]*\})")
_LOOKUP = r"\{\{-?\s*(args|context|step)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(['\"])(.*?)\3\s*\])\s*-?\}\}"
_LOOP = r"\{\{-?\s*(item|index)\s*-?\}\}"
_ANY_LOOKUP = re.compile(f"{_LOOKUP}|{_LOOP}")  # groups 1-4: a namespace's lookup; 5: the loop's names


def _item_text(step: Step, name: str) -> str:
    """An instance's `{{ item }}` or `{{ index }}` as Jinja would print it; the doc shows it written in."""
    value = loop_data(step)[name]
    return value if isinstance(value, str) else str(value)
_TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#")
_WORD_OR_BRACKET = re.compile(r"[A-Za-z0-9_\[]")
ZWSP = "\u200b"


class Neutraliser:
    """`inert(text)`: the text with nothing Claude Code would substitute or execute. Built once per
    workflow: which `$NAME` Claude Code fills depends on the workflow's argument names."""

    def __init__(self, names: Sequence[str]) -> None:
        filled = "|".join(["[0-9]", "ARGUMENTS", *(rf"{re.escape(n)}(?![\[A-Za-z0-9_])" for n in
                                                    sorted(names, key=len, reverse=True))])
        # `\\$` before a filled form keeps the `$`; a backslash before that one would undo it
        self._dollar = re.compile(rf"(\\*)\$(?={filled})")
        self._cache: Dict[str, str] = {}

    def __call__(self, text: object) -> str:
        text = str(text)
        if "$" not in text and "!" not in text:  # most text: nothing to scan for
            return text
        done = self._cache.get(text)
        if done is None:
            done = self._dollar.sub(lambda m: (m.group(1) + ZWSP if m.group(1) else "") + "\\$", text)
            done = _ENVIRONMENT.sub("$" + ZWSP, done)
            done = self._cache[text] = _BANG.sub(ZWSP, done)
        return done


def neutraliser(workflow: Workflow) -> Neutraliser:
    return Neutraliser([argument.name for argument in workflow.arguments])


def inert(text: object, names: Sequence[str] = ()) -> str:
    """`text` made inert for a workflow with these argument names (see `Neutraliser`)."""
    return Neutraliser(names)(text)


def placeholders(workflow: Workflow) -> Dict[str, str]:
    """Argument name -> what Claude Code replaces with the word the user typed for it."""
    return {argument.name: f"${argument.name}" for argument in workflow.arguments}


def indexed_placeholder(workflow: Workflow, name: str) -> str:
    """`$ARGUMENTS[N]` (zero-based) for argument `name`: read by Claude Code whatever follows it."""
    index = [argument.name for argument in workflow.arguments].index(name)
    return f"$ARGUMENTS[{index}]"


class TextRewriter:
    """Workflow templates as the model should read them: inert, argument lookups turned into Claude
    Code placeholders and context lookups into `[[NAME]]` markers. Anything else (conditions,
    filters) is left as written, and `has_template_logic` tells the doc to say so."""

    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.inert = neutraliser(workflow)
        self.arguments = {argument.name for argument in workflow.arguments}

    def __call__(self, text: str, step: Optional[Step] = None, escape: Optional[Callable[[str], str]] = None,
                 shell: bool = False) -> str:
        """`escape` (markdown, say) applies to the workflow's literal text before it is made inert:
        an escape added afterwards could undo the `\\$` that keeps a `$` from being filled. `shell`:
        the text is a string command, each value written for where it lands (`_PLACEHOLDER_QUOTES`)."""
        literal = (lambda piece: self.inert(escape(piece))) if escape else self.inert
        if "{" not in text:
            return literal(text)
        lands = _landings(text) if shell else None
        pieces: List[str] = []
        end = 0
        for number, match in enumerate(_ANY_LOOKUP.finditer(text)):
            before = literal(text[end:match.start()])
            following = text[match.end():match.end() + 1]
            lookup = self._lookup(match, following, step, literal, lands[number] if lands else None)
            # a backslash just before a placeholder would keep Claude Code from filling it
            pieces.append(before + ZWSP if before.endswith("\\") and lookup.startswith("$") else before)
            pieces.append(lookup)
            end = match.end()
        pieces.append(literal(text[end:]))
        return "".join(pieces)

    def _lookup(self, match: "re.Match[str]", following: str, step: Optional[Step],
                literal: Callable[[str], str], lands: Optional[Context]) -> str:
        namespace, name = match.group(1) or match.group(5), match.group(2) or match.group(4)
        if namespace == "args" and name in self.arguments:
            if lands is not None and lands.kind in _PLACEHOLDER_QUOTES and not lands.backticks:
                return _PLACEHOLDER_QUOTES[lands.kind].format(f"${name}")
            if following and _WORD_OR_BRACKET.match(following):
                return indexed_placeholder(self.workflow, name)
            return f"${name}"
        if namespace == "context":
            return f"[[{self.inert(name)}]]"
        known = _known(step, namespace, name)
        if known is None:
            return literal(match.group(0))
        if lands is not None:
            try:
                return self.inert(quote(known, lands))
            except QuotingRefused:  # pasted as it is, as `wfc run` would refuse to run it
                pass
        return literal(known)


# An argument's placeholder in a string command, by where it lands: Claude Code pastes the word as
# typed, so the placeholder goes between single quotes (closing and reopening the quotes it is in);
# only a single quote in the value itself is not literal then, which the rules tell the model.
# Inside single quotes it already is; in a comment or a here-document no quoting would hold.
_PLACEHOLDER_QUOTES = {"plain": "'{}'", "dq": "\"'{}'\"", "ansi": "''{}'$'"}


def _known(step: Optional[Step], namespace: str, name: Optional[str]) -> Optional[str]:
    """What a lookup the doc writes in prints: the step's id, title and attempt; an instance's item
    and index. None for anything else (left as written)."""
    if step is None:
        return None
    if namespace in LOOP_NAMES:
        return _item_text(step, namespace) if step.instance is not None else None
    values = {"id": step.id, "title": step.title, "attempt": "1"}
    return values.get(name or "") if namespace == "step" else None


def _landings(command: str) -> Optional[List[Optional[Context]]]:
    """Where each lookup `_ANY_LOOKUP` finds in a string command lands in the shell, or None when
    the text holds one in a form the parse does not show the same way (a comment, a raw block)."""
    printed = printed_lookups(command)
    if printed is None:
        return None
    simple = [(lookup, lands) for lookup, lands in printed if lookup]
    found = [f"{match.group(1)}.{match.group(2) or match.group(4)}" if match.group(1) else match.group(5)
             for match in _ANY_LOOKUP.finditer(command)]
    if found != [lookup for lookup, _ in simple]:
        return None
    return [lands for _, lands in simple]


def has_template_logic(text: str) -> bool:
    return "{" in text and _TEMPLATE_SYNTAX.search(text) is not None  # the `in` test: most text has no brace


def command_line(command: Command) -> str:
    """A list of arguments shown as one shell line, each argument quoted when it needs it."""
    if isinstance(command, str):
        return command
    import shlex

    return " ".join(shlex.quote(part) for part in command)


class Rewrites(NamedTuple):
    """What the command doc's parts share: the rewriter (and its neutraliser) for one workflow."""

    text: TextRewriter

    @property
    def inert(self) -> Neutraliser:
        return self.text.inert


def rewrites(workflow: Workflow) -> Rewrites:
    return Rewrites(TextRewriter(workflow))


__all__ = ["Neutraliser", "Rewrites", "TextRewriter", "command_line", "has_template_logic", "inert",
           "indexed_placeholder", "neutraliser", "placeholders", "rewrites"]
