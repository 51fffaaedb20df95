"""The words Claude Code 2.1.332 splits a slash command's arguments into, for ordinary input.

The CLI parses the raw argument string with tree-sitter-bash, takes the first `command` node and keeps its
words: variable assignments before the command name are skipped; a word, number, '...' or "..." string
becomes one value with its outer quotes removed (backslash escapes are undone only outside quotes); a
word glued from several parts is joined; a bare `$x`, `${x}`, `$'..'` or `$((..))` argument is dropped
(kept as written in the command-name position); a `$(..)` or backtick argument ends the list; so do
`;`, `&`, `|`, a newline, a `#` comment and a redirection. An unclosed quote runs to the end as written.

Anything whose tree-sitter parse this module does not reproduce (reserved words, declarations, subshells,
here-documents, process substitution, a carriage return) raises UnmodelledArguments rather than guess.
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

Part = Tuple[str, str]  # (kind, source text): word, raw_string, string, dollar, substitution, literal

BLANKS = " \t"
ENDS = ";&|\n"
RESERVED = {"!", "{", "}", "[", "[[", "]]", "if", "then", "else", "elif", "fi", "do", "done", "while", "until",
            "for", "case", "esac", "select", "function", "time", "coproc"}
DECLARATIONS = {"export", "declare", "typeset", "readonly", "local", "unset", "unsetenv"}
KEPT_DECLARATIONS = {"export", "declare", "typeset", "readonly", "local"}  # unset's parse has no command node
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]")


class UnmodelledArguments(ValueError):
    """The argument string uses shell syntax whose split this model does not reproduce."""


def first_command_words(raw: str) -> List[str]:
    """The words of the first simple command in `raw` ([] when it has none)."""
    if "\r" in raw or raw.lstrip(BLANKS)[:1] in ("(", ")"):
        raise UnmodelledArguments(f"{raw!r}: a carriage return or a subshell")
    scanner = _Scanner(raw)
    words: List[str] = []
    named = False
    while True:
        parts = scanner.next_word()
        if parts is None:
            return words
        text = "".join(source for _, source in parts)
        if not named:
            if ASSIGNMENT.match(text):
                continue
            if text in RESERVED:
                raise UnmodelledArguments(f"{raw!r}: {text!r} starts a compound command")
            if text in DECLARATIONS:
                return [text] if text in KEPT_DECLARATIONS else []
            named = True
            words.append(_command_name(parts))
            continue
        value = _argument(parts)
        if value is _STOP:
            return words
        if value is not None:
            words.append(value)


_STOP = "\x00stop"


def _command_name(parts: List[Part]) -> str:
    if len(parts) > 1 and any(kind == "substitution" for kind, _ in parts):
        return "".join(source for _, source in parts)
    return "".join(_value(part) for part in parts)


def _argument(parts: List[Part]) -> Optional[str]:
    kinds = [kind for kind, _ in parts]
    if "substitution" in kinds:
        return _STOP
    if len(parts) == 1 and kinds[0] == "dollar":
        return None
    return "".join(_value(part) for part in parts)


def _value(part: Part) -> str:
    kind, source = part
    if kind == "word":
        return re.sub(r"\\(.)", r"\1", source)
    if kind in ("raw_string", "string"):
        return source[1:-1]
    return source


class _Scanner:
    """Reads one shell word at a time, as a list of its parts, until the first command ends."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.ended = False

    def next_word(self) -> Optional[List[Part]]:
        while self.pos < len(self.text) and self.text[self.pos] in BLANKS:
            self.pos += 1
        if self.ended or self.pos >= len(self.text) or self.text[self.pos] in ENDS + "#":
            return None
        parts: List[Part] = []
        while self.pos < len(self.text) and not self._word_ends():
            part = self._part()
            if part[1]:
                parts.append(part)
        if self.pos < len(self.text) and self.text[self.pos] in "<>":
            self.ended = True  # the words after a redirection belong to it
            if all(kind == "word" and source.isdigit() for kind, source in parts):
                return None
        return parts if parts else self.next_word()

    def _word_ends(self) -> bool:
        char = self.text[self.pos]
        if char in "()":
            raise UnmodelledArguments(f"{self.text!r}: parenthesis at {self.pos}")
        return char in BLANKS + ENDS + "<>"

    def _part(self) -> Part:
        char = self.text[self.pos]
        if char == "'":
            return self._quoted("raw_string", "'")
        if char == '"':
            return self._quoted("string", '"')
        if char == "`":
            return self._until_closing("substitution", 1, "`")
        if char == "$":
            return self._dollar()
        return self._unquoted()

    def _unquoted(self) -> Part:
        kept: List[str] = []
        while self.pos < len(self.text) and self.text[self.pos] not in BLANKS + ENDS + "<>()'\"`$":
            step = 2 if self.text[self.pos] == "\\" else 1
            if self.text[self.pos:self.pos + 2] == "\\\n":
                raise UnmodelledArguments(f"{self.text!r}: a line continuation at {self.pos}")
            if self.pos + step <= len(self.text):  # a backslash ending the input is dropped
                kept.append(self.text[self.pos:self.pos + step])
            self.pos += step
        return ("word", "".join(kept))  # "" for a lone trailing backslash: no word at all

    def _quoted(self, kind: str, quote: str) -> Part:
        start, index = self.pos, self.pos + 1
        while index < len(self.text) and self.text[index] != quote:
            if quote == '"' and (self.text[index] == "`" or self.text[index:index + 2] == "$("):
                raise UnmodelledArguments(f"{self.text!r}: a substitution inside a double-quoted string")
            index += 2 if quote == '"' and self.text[index] == "\\" else 1
        if index >= len(self.text):
            self.pos = len(self.text)
            return ("literal", self.text[start:])
        self.pos = index + 1
        return (kind, self.text[start:self.pos])

    def _dollar(self) -> Part:
        rest = self.text[self.pos + 1:]
        if rest.startswith("(("):
            return self._until_closing("dollar", 3, "))")
        if rest.startswith("("):
            return self._until_closing("substitution", 2, ")")
        if rest.startswith("{"):
            return self._until_closing("dollar", 2, "}")
        if rest[:1] in ("'", '"'):
            self.pos += 1
            kind, source = self._quoted("dollar", rest[0])
            if kind == "literal":
                raise UnmodelledArguments(f"{self.text!r}: an unclosed $-quoted string")
            return ("dollar", "$" + source)
        name = NAME.match(rest)
        if name is None and rest[:1] not in ("", *BLANKS, *ENDS):
            raise UnmodelledArguments(f"{self.text!r}: $ before {rest[:1]!r} at {self.pos}")
        spelled = "$" + (name.group(0) if name else "")  # $12 is $1 glued to the word 2
        self.pos += len(spelled)
        return ("dollar", spelled)

    def _until_closing(self, kind: str, opening: int, closing: str) -> Part:
        end = self.text.find(closing, self.pos + opening)
        nested = {")": "(", "))": "(", "}": "{"}.get(closing)
        if end < 0 or (nested is not None and nested in self.text[self.pos + opening:end]):
            raise UnmodelledArguments(f"{self.text!r}: an unclosed or nested {closing!r} at {self.pos}")
        start, self.pos = self.pos, end + len(closing)
        return (kind, self.text[start:self.pos])
