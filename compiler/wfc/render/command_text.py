"""How workflow text reads in the Claude Code command doc: two rewrites that are about Claude Code,
not markdown (the templates escape for markdown).

- templates: `{{ args.NAME }}` becomes the argument placeholder Claude Code substitutes
  (`$ARGUMENTS` for a single argument, `$1`, `$2`... in argument order for several) and
  `{{ context.NAME }}` a `[[NAME]]` marker the model replaces with the producer's result;
- inert text: Claude Code substitutes `$ARGUMENTS` and `$1` anywhere in the file and runs
  ``!`cmd` `` when it loads the command, so the workflow's own text must not contain them.
  `$1` is written `${1}` (the same to a shell) and `!` before a backtick gets a zero-width space.
"""
from __future__ import annotations

import re
from typing import Dict, List, Mapping, NamedTuple, Optional

from wfc.model import Command, Step, Workflow

_CLAUDE_PLACEHOLDER = re.compile(r"\$(ARGUMENTS|\d+)")
_BANG_BACKTICK = re.compile(r"!(?=`)")
_LOOKUP = r"\{\{-?\s*(args|context|step)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(['\"])(.*?)\3\s*\])\s*-?\}\}"
_TEMPLATE_LOOKUP = re.compile(_LOOKUP)
_TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#")


def inert(text: str) -> str:
    """`text` with nothing Claude Code would substitute or execute when it loads the command."""
    text = str(text)
    if "$" not in text and "!" not in text:  # most text: skip both scans, called once per field
        return text
    text = _CLAUDE_PLACEHOLDER.sub(lambda match: "${" + match.group(1) + "}", text)
    return _BANG_BACKTICK.sub("!\u200b", text)


def placeholders(workflow: Workflow) -> Dict[str, str]:
    """Argument name -> what Claude Code replaces with the value the user typed."""
    return dict(_lookups(workflow).arguments)


class _Lookups(NamedTuple):
    workflow: Optional[Workflow]
    arguments: Dict[str, str]  # `placeholders`, shared: callers here only read it
    plain: Dict[str, str]  # `args.NAME` / `context.NAME` -> its rewrite, for `{{ args.NAME }}` as usually written


def _lookups(workflow: Workflow) -> _Lookups:
    """Remembered for the last workflow asked about: it is asked once per template of every step."""
    if _last_lookups[0].workflow is not workflow:
        arguments = _placeholders(workflow)
        plain = {f"args.{name}": mark for name, mark in arguments.items() if _IDENTIFIER.fullmatch(name)}
        plain.update((f"context.{entry.name}", f"[[{entry.name}]]") for entry in workflow.context
                     if _IDENTIFIER.fullmatch(entry.name))  # other names never match `_TEMPLATE_LOOKUP`
        _last_lookups[0] = _Lookups(workflow, arguments, plain)
    return _last_lookups[0]


_last_lookups: List[_Lookups] = [_Lookups(None, {}, {})]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _placeholders(workflow: Workflow) -> Dict[str, str]:
    names = [argument.name for argument in workflow.arguments]
    if len(names) == 1:
        return {names[0]: "$ARGUMENTS"}
    return {name: f"${index}" for index, name in enumerate(names, start=1)}


def command_text(text: str, workflow: Workflow, step: Optional[Step] = None) -> str:
    """A workflow template as the model should read it: inert, with argument lookups turned into
    Claude Code placeholders and context lookups into `[[NAME]]` markers. Anything else
    (conditions, filters) is left as written, and `has_template_logic` tells the doc to say so."""
    text = inert(text)
    if "{" not in text:  # no lookup to rewrite
        return text
    lookups = _lookups(workflow)
    done = _rewrite_plain(text, lookups.plain)
    return _rewrite_lookups(text, lookups.arguments, step) if done is None else done


def _rewrite_plain(text: str, plain: Mapping[str, str]) -> Optional[str]:
    """`text` with its `{{ args.NAME }}` and `{{ context.NAME }}` rewritten by plain string work, or
    None when the text holds any other brace: then only `_rewrite_lookups` gives the right answer.
    When every brace sits in such a lookup, the regex would have matched exactly those lookups."""
    head, *pieces = text.split("{{ ")
    done = [head]
    for piece in pieces:
        lookup, closed, tail = piece.partition(" }}")
        rewrite = plain.get(lookup) if closed else None
        if rewrite is None:
            return None
        done += (rewrite, tail)
    joined = "".join(done)
    return None if "{" in joined else joined


def _rewrite_lookups(text: str, arguments: Mapping[str, str], step: Optional[Step]) -> str:
    values = {"id": step.id, "title": step.title, "attempt": "1"} if step else {}

    def replace(match: "re.Match[str]") -> str:
        namespace, name = match.group(1), match.group(2) or match.group(4)
        if namespace == "args" and name in arguments:
            return arguments[name]
        if namespace == "context":
            return f"[[{name}]]"
        if namespace == "step" and name in values:
            return inert(values[name])
        return match.group(0)

    return _TEMPLATE_LOOKUP.sub(replace, text)


def has_claude_placeholder(text: Optional[str]) -> bool:
    """Whether `inert` rewrote part of this user text (the doc then says how to read it back).
    The `in` test first: most text has no `$`, and it costs a fifth of the regex search."""
    return bool(text) and "$" in str(text) and _CLAUDE_PLACEHOLDER.search(str(text)) is not None


def has_template_logic(text: str) -> bool:
    return "{" in text and _TEMPLATE_SYNTAX.search(text) is not None  # the `in` test: most text has no brace


def command_line(command: Command) -> str:
    """A list of arguments shown as one shell line, each argument quoted when it needs it."""
    if isinstance(command, str):
        return command
    import shlex

    return " ".join(shlex.quote(part) for part in command)

