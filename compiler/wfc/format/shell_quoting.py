"""Where each value of a string `run:` template lands in the shell's syntax, and the quoting that
keeps it one literal word or string there.

A string command goes to `/bin/sh -c` (and, in a Workflow script, to an agent's Bash tool), so a
value pasted raw is shell syntax: an argument `x; rm -rf ~` or an agent's answer `$(curl ...)`
would run. The template's literal text is read here as the shell reads it (quotes, `$'...'`,
backticks, `$( )`, comments, here-documents), and every `{{ ... }}` gets a `Context`: outside
quotes a value becomes one single-quoted word, inside double quotes `\\ " $ \\`` are escaped, inside
single quotes each `'` closes, escapes and reopens, and so on. The reading is static, over the
template's tree, so the runtime (`templating.render_command`) and the Workflow script (`shq` in
`templates/workflow_helpers.js`) quote every value alike. What the reading cannot decide (a value
right after `\\` or `$`, branches that leave different quotes open) is a `ShellProblem`: an error
at validate time, never a guess. `{{ value | unquoted }}` pastes a value as it is, on purpose.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple

from jinja2 import nodes

UNQUOTED = "unquoted"  # the filter that opts a value out of quoting
_SAFE_WORD = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")  # shlex.quote's safe set: such a word needs no quotes
_DOUBLE_QUOTED_SPECIAL = re.compile(r'([\\"$`])')
_EXPANDING_SPECIAL = re.compile(r"([\\`$])")  # what a backslash quotes in backticks and here-documents
_HEREDOC = re.compile(r"<<(-?)[ \t]*((?:'[^'\n]*'|\"[^\"\n]*\"|\\.|[^\s;&|<>()'\"\\])+)")
_WORD_BREAKS = " \t\n;&|()<>"


class ShellProblem(Exception):
    """The template's shell syntax leaves a value's quoting undecidable; `hint` says what to write."""

    def __init__(self, message: str, hint: str, near: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.near = near  # a regular expression whose group `at` is where in the text the problem is


class QuotingRefused(Exception):
    """A value that no quoting keeps literal where it lands (a line ending a here-document)."""


@dataclass(frozen=True)
class Context:
    """Where one value lands: `kind` (plain, dq, sq, ansi, comment, heredoc, literal-heredoc), how
    many backtick substitutions enclose it, and a here-document's delimiter and `<<-` flag."""

    kind: str
    backticks: int = 0
    delimiter: str = ""
    tabs: bool = False

    def as_list(self) -> List[object]:
        """The form the Workflow script's `shq` takes."""
        return [self.kind, self.backticks, self.delimiter, self.tabs]


def quote(text: str, context: Context) -> str:
    """`text` written so the shell reads it back unchanged at `context`."""
    kind = context.kind
    if kind in ("plain", "comment"):
        if kind == "comment" and "\n" in text:
            raise QuotingRefused("a value in a shell comment holds a line break, which would end the comment")
        quoted = text if _SAFE_WORD.fullmatch(text) else "'" + text.replace("'", "'\\''") + "'"
    elif kind == "sq":
        quoted = text.replace("'", "'\\''")
    elif kind == "ansi":  # bash reads `$'...'` with escapes, dash as `$` and '...': leave it, quote, reopen
        quoted = "'" + quote(text, Context("plain")) + "$'"
    elif kind == "dq":
        quoted = _DOUBLE_QUOTED_SPECIAL.sub(r"\\\1", text)
    else:
        _refuse_delimiter_line(text, context)
        quoted = _EXPANDING_SPECIAL.sub(r"\\\1", text) if kind == "heredoc" else text
    for _ in range(context.backticks):
        quoted = _EXPANDING_SPECIAL.sub(r"\\\1", quoted)
    return quoted


def _refuse_delimiter_line(text: str, context: Context) -> None:
    for line in text.split("\n"):
        if (line.lstrip("\t") if context.tabs else line) == context.delimiter:
            raise QuotingRefused(f"a value in a here-document holds the line {context.delimiter!r}, "
                                 "which would end the document")


@dataclass(frozen=True)
class _Frame:
    kind: str  # plain (the command itself), sub ($( )), bq, dq, sq, ansi, comment, heredoc, literal-heredoc
    depth: int = 0  # open parentheses inside a $( )
    delimiter: str = ""
    tabs: bool = False


@dataclass(frozen=True)
class _State:
    frames: Tuple[_Frame, ...] = (_Frame("plain"),)
    pending: Tuple[_Frame, ...] = ()  # here-documents whose bodies start at the next line
    escaped: bool = False  # the last character was an unescaped backslash
    dollar: bool = False  # the last character was an unescaped `$`
    word_start: bool = True  # a `#` here would start a comment
    line: Optional[str] = ""  # a here-document's current line so far (None once a value is on it)

    @property
    def top(self) -> _Frame:
        return self.frames[-1]

    def structure(self) -> Tuple[object, ...]:
        return (self.frames, self.pending, self.escaped, self.dollar)


def contexts(tree: nodes.Template) -> Dict[int, Context]:
    """The context of every value the template prints, by the id of its expression node."""
    reader = _Reader()
    reader.body(tree.body, _State())
    return reader.found


class _Reader:
    """Walks the template's statements in order, reading their literal text as the shell would."""

    def __init__(self) -> None:
        self.found: Dict[int, Context] = {}

    def body(self, statements: Sequence[nodes.Node], state: _State) -> _State:
        for statement in statements:
            state = self.statement(statement, state)
        return state

    def statement(self, node: nodes.Node, state: _State) -> _State:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                state = _read(child.data, state) if isinstance(child, nodes.TemplateData) else self.value(child, state)
            return state
        if isinstance(node, nodes.If):
            ends = [self.body(branch.body, state) for branch in [node, *node.elif_]]
            return _merged([*ends, self.body(node.else_, state)])
        if isinstance(node, nodes.For):
            once = _merged([state, self.body(node.body, state)])
            return _merged([once, self.body(node.body, once), self.body(node.else_, state)])
        if isinstance(node, (nodes.FilterBlock, nodes.With, nodes.Scope)):
            return self.body(node.body, state)
        return state  # set, macro, call...: what they print reaches the command as a printed value

    def value(self, node: nodes.Node, state: _State) -> _State:
        if state.escaped or state.dollar:
            after = "a backslash" if state.escaped else "`$`"
            raise ShellProblem(f"the run command prints a value right after {after}, which would change how the "
                               "shell reads the quoted value", "remove it, or write it inside quotes before the value",
                               r"[\\$](?P<at>\{\{)")
        frame = state.top
        if _awaits_delimiter(state):
            raise ShellProblem("the run command prints a value as a here-document's delimiter",
                               "write the delimiter (`<<EOF`) as plain text", r"(?P<at><<)-?\s*\{\{")
        self.found[id(node)] = _context(state)
        line = None if frame.kind in ("heredoc", "literal-heredoc") else state.line
        return replace(state, word_start=False, line=line)


def _awaits_delimiter(state: _State) -> bool:
    return bool(state.pending) and state.pending[-1].delimiter == ""


def _context(state: _State) -> Context:
    backticks = sum(1 for frame in state.frames if frame.kind == "bq")
    frame = state.top
    kind = {"sub": "plain", "bq": "plain"}.get(frame.kind, frame.kind)
    return Context(kind, backticks, frame.delimiter, frame.tabs)


def _merged(states: Sequence[_State]) -> _State:
    """Where several paths (branches, loop passes) meet: the same open quotes, or a problem."""
    first = states[0]
    if any(state.structure() != first.structure() for state in states[1:]):
        raise ShellProblem("the quotes open after this run command's `{% if %}` or `{% for %}` depend on which "
                           "branch ran, so wfc cannot tell how to quote the values after it",
                           "close every quote, `$(`, backtick and here-document inside the block that opens it",
                           r"(?P<at>\{%-?\s*(?:if|for)\b)")
    word_start = all(state.word_start for state in states)
    line = first.line if all(state.line == first.line for state in states) else None
    return replace(first, word_start=word_start, line=line)


def _read(text: str, state: _State) -> _State:
    index = 0
    while index < len(text):
        state, index = _step(text, index, state)
    return state


def _step(text: str, index: int, state: _State) -> Tuple[_State, int]:
    """One character (or one `<<WORD`) of literal text in the state's innermost frame."""
    char = text[index]
    kind = state.top.kind
    if state.escaped:
        return _advanced(state, char), index + 1
    if char == "`" and kind in ("sq", "dq", "ansi") and any(frame.kind == "bq" for frame in state.frames):
        return _closing_backtick(state), index + 1  # in backticks, a backtick ends them even inside quotes
    if kind == "ansi" and char == "\\":
        return replace(state, escaped=True), index + 1
    if kind in ("sq", "ansi"):
        return (_popped(state) if char == "'" else state), index + 1
    if kind == "comment":
        return (_popped(state), index) if char == "\n" else (state, index + 1)
    if kind in ("heredoc", "literal-heredoc"):
        return _heredoc_step(text, index, state)
    if kind == "dq":
        return _double_quoted_step(text, index, state)
    return _command_step(text, index, state)


def _closing_backtick(state: _State) -> _State:
    last = max(index for index, frame in enumerate(state.frames) if frame.kind == "bq")
    return replace(state, frames=state.frames[:last], dollar=False, word_start=False)


def _advanced(state: _State, char: str, dollar: bool = False) -> _State:
    line = state.line + char if state.line is not None and char != "\n" else state.line
    return replace(state, word_start=char in _WORD_BREAKS, dollar=dollar, escaped=False, line=line)


def _pushed(state: _State, frame: _Frame) -> _State:
    return replace(state, frames=state.frames + (frame,), dollar=False, word_start=True)


def _popped(state: _State) -> _State:
    return replace(state, frames=state.frames[:-1], dollar=False, word_start=False)


def _command_step(text: str, index: int, state: _State) -> Tuple[_State, int]:
    """Text of the command itself, of a `$( )` or of a backtick substitution."""
    char, frame = text[index], state.top
    if char == "\\":
        return replace(state, escaped=True, dollar=False, word_start=False), index + 1
    if state.dollar and char == "'":
        return _pushed(state, _Frame("ansi")), index + 1
    if state.dollar and char == "(":
        return _pushed(state, _Frame("sub")), index + 1
    if char in "'\"":
        return _pushed(state, _Frame("sq" if char == "'" else "dq")), index + 1
    if char == "`":
        return (_popped(state) if frame.kind == "bq" else _pushed(state, _Frame("bq"))), index + 1
    if char == "#" and state.word_start:
        return _pushed(state, _Frame("comment")), index + 1
    if frame.kind == "sub" and char in "()":
        if char == ")" and frame.depth == 0:
            return _popped(state), index + 1
        deeper = replace(frame, depth=frame.depth + (1 if char == "(" else -1))
        return _advanced(replace(state, frames=state.frames[:-1] + (deeper,)), char), index + 1
    if text.startswith("<<", index) and not text.startswith("<<<", index):
        return _heredoc_operator(text, index, state)
    if char == "\n" and state.pending:
        return replace(state, frames=state.frames + state.pending[:1], pending=state.pending[1:], dollar=False,
                       word_start=True, line=""), index + 1
    return _advanced(state, char, dollar=char == "$"), index + 1


def _heredoc_operator(text: str, index: int, state: _State) -> Tuple[_State, int]:
    match = _HEREDOC.match(text, index)
    if match is None:  # `<<` then a value (or the text's end): the delimiter is not literal
        return replace(state, pending=state.pending + (_Frame("heredoc"),), word_start=True), index + 2
    word = match.group(2)
    literal = any(mark in word for mark in "'\"\\")
    delimiter = re.sub(r"\\(.)|['\"]", lambda found: found.group(1) or "", word)
    frame = _Frame("literal-heredoc" if literal else "heredoc", delimiter=delimiter, tabs=bool(match.group(1)))
    return replace(state, pending=state.pending + (frame,), word_start=False, dollar=False), match.end()


def _heredoc_step(text: str, index: int, state: _State) -> Tuple[_State, int]:
    """A here-document's body: a line equal to the delimiter ends it; an unquoted one expands."""
    char, frame = text[index], state.top
    if char == "\n":
        line = state.line
        ended = line is not None and (line.lstrip("\t") if frame.tabs else line) == frame.delimiter
        frames = state.frames[:-1] if ended else state.frames
        if ended and state.pending:
            return replace(state, frames=frames + state.pending[:1], pending=state.pending[1:], line=""), index + 1
        return replace(state, frames=frames, line="", dollar=False, word_start=True), index + 1
    if frame.kind == "heredoc":
        if char == "\\":
            return replace(state, escaped=True, line=_extended(state.line, char)), index + 1
        if char == "`" or (state.dollar and char == "("):
            return _pushed(replace(state, line=None), _Frame("bq" if char == "`" else "sub")), index + 1
    return replace(state, dollar=frame.kind == "heredoc" and char == "$", line=_extended(state.line, char)), index + 1


def _extended(line: Optional[str], char: str) -> Optional[str]:
    return None if line is None else line + char


def _double_quoted_step(text: str, index: int, state: _State) -> Tuple[_State, int]:
    char = text[index]
    if char == "\\":
        return replace(state, escaped=True, dollar=False), index + 1
    if char == '"':
        return _popped(state), index + 1
    if char == "`":
        return _pushed(state, _Frame("bq")), index + 1
    if state.dollar and char == "(":
        return _pushed(state, _Frame("sub")), index + 1
    return replace(state, dollar=char == "$"), index + 1


def opted_out(node: nodes.Node) -> bool:
    """`{{ value | unquoted }}`: the value is pasted as it is."""
    return isinstance(node, nodes.Filter) and node.name == UNQUOTED
