"""Claude Code 2.1.332's rules for slash-command text, in pure Python, read from the code bundled in its binary.

A command doc (`.claude/commands/NAME.md`, a plugin's `commands/NAME.md`) is expanded when it loads:

1. The frontmatter is cut off: `^---\\s*\\n([\\s\\S]*?)---\\s*\\n?` (the first `---` after the opening line
   closes it, even inside a value; whitespace after the closing `---` is dropped with it).
2. `${CLAUDE_PROJECT_DIR}`, `${CLAUDE_SESSION_ID}`, `${CLAUDE_EFFORT}` (and in plugins `${CLAUDE_PLUGIN_ROOT}`,
   `${CLAUDE_PLUGIN_DATA}`, `${user_config.KEY}`; in skills `${CLAUDE_SKILL_DIR}`) are filled in.
3. Placeholders, in this order: `$name` for each name in frontmatter `arguments` (longest first, not followed
   by `[` or a word character; a name with no value becomes ""), `$ARGUMENTS[N]` (zero-based; no value: left
   as written), `$N` (zero-based, not followed by a word character; no value: left as written), `$ARGUMENTS`
   (the whole raw argument string). `\\$` before a digit, `ARGUMENTS` or a name keeps the `$` literal. When no
   placeholder took a value and there are arguments, `\\n\\nARGUMENTS: <raw>` is appended. A filled-in value is
   never substituted again, and its `!` forms are escaped first (see `escape_value`).
4. Shell executions in the result: every fenced block opening with three backticks and `!`, anywhere
   (inside other fences too), and every inline `` !`cmd` `` preceded by whitespace or the start of the text,
   outside single-backtick code spans.

Arguments are split into words by parsing the raw string as a bash command (tree-sitter) and taking the
words of its first simple command; `split_arguments` implements that for ordinary input and raises
`UnmodelledArguments` for shell syntax whose tree-sitter parse it does not reproduce.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, List, Match, Optional, Sequence, Tuple

import yaml

from claude_words import UnmodelledArguments, first_command_words

__all__ = ["UnmodelledArguments", "ShellExecution", "Expansion", "split_frontmatter", "argument_names",
           "split_arguments", "escape_value", "substitute", "shell_executions", "expand",
           "no_output", "ENVIRONMENT_PLACEHOLDERS", "environment_placeholders"]

# JavaScript's \s and String.prototype.trim(): these characters, not Python's str.isspace() set.
JS_SPACE = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
WORD = "A-Za-z0-9_"  # JavaScript's \w: ASCII only
FRONTMATTER = re.compile(rf"---[{JS_SPACE}]*\n([\s\S]*?)---[{JS_SPACE}]*\n?")
FENCED = re.compile(rf"```![{JS_SPACE}]*\n?([\s\S]*?)\n?```")
INLINE = re.compile(rf"(?:^|(?<=[{JS_SPACE}]))!`([^`]+)`")
CODE_SPAN = re.compile(r"`[^`\n]+`")
ENVIRONMENT_PLACEHOLDERS = ("${CLAUDE_PROJECT_DIR}", "${CLAUDE_SESSION_ID}", "${CLAUDE_EFFORT}",
                            "${CLAUDE_SKILL_DIR}", "${CLAUDE_PLUGIN_ROOT}", "${CLAUDE_PLUGIN_DATA}")
USER_CONFIG = re.compile(r"\$\{user_config\.([^}]+)\}")
LITERAL_DOLLAR, VALUE_MARK = "\uffff", "\ufffe"  # the CLI's own private-use sentinels
MAX_NAMES, MAX_NAME_LENGTH, MAX_PARSED = 64, 64, 10000


@dataclass(frozen=True)
class ShellExecution:
    """One shell command Claude Code runs when the text loads: the text matched and the command."""

    raw: str
    command: str
    at: int


@dataclass(frozen=True)
class Expansion:
    text: str
    shell_commands: Tuple[str, ...]


def js_trim(text: str) -> str:
    return text.strip(JS_SPACE)


def split_frontmatter(doc: str) -> Tuple[Optional[str], str]:
    """(frontmatter text or None, body), cut as the CLI cuts it (a leading BOM is dropped first)."""
    text = doc[1:] if doc.startswith("\ufeff") else doc
    match = FRONTMATTER.match(text) if text.find("---", 3) >= 0 else None
    if match is None:
        return None, doc
    return match.group(1), text[match.end():]


def argument_names(value: Any) -> List[str]:
    """Frontmatter `arguments`: a list or a whitespace-separated string; blank and all-digit names dropped."""
    def usable(name: Any) -> bool:
        return isinstance(name, str) and js_trim(name) != "" and re.fullmatch("[0-9]+", name) is None

    if isinstance(value, list):
        return [name for name in value if usable(name)]
    if isinstance(value, str):
        return [name for name in re.split(rf"[{JS_SPACE}]+", value) if usable(name)]
    return []


def split_arguments(raw: str) -> List[str]:
    """The words `$0`, `$1`, ... and `$name` take: the first bash command's words, else a whitespace split."""
    if not raw or not js_trim(raw):
        return []
    words = first_command_words(raw) if len(raw) <= MAX_PARSED else []
    return words if words else [word for word in re.split(rf"[{JS_SPACE}]+", raw) if word]


def escape_value(value: str) -> str:
    """How the CLI defuses `!` in a filled-in value, so an argument can never start a shell execution."""
    value = value.replace("`!", "` !").replace("!`", "! `")
    return re.sub(rf"(^|[{JS_SPACE}])!", lambda match: match.group(1) + "\\!", value, flags=re.M)


def substitute(body: str, raw: Optional[str], names: Sequence[str] = (), append_unused: bool = True) -> str:
    """The body with its placeholders filled from `raw` (None: the CLI substitutes nothing at all)."""
    if raw is None:
        return body
    text = body.replace(LITERAL_DOLLAR, "\ufffd").replace(VALUE_MARK, "\ufffd")
    state = _Substitution(raw)
    named = sorted([(name, index) for index, name in enumerate(names) if name and len(name) <= MAX_NAME_LENGTH]
                   [:MAX_NAMES], key=lambda pair: -len(pair[0]))
    protected = "|".join(["[0-9]", "ARGUMENTS", *(rf"{re.escape(name)}(?![\[{WORD}])" for name, _ in named)])
    text = re.sub(rf"(?<!\\)\\\$(?={protected})", LITERAL_DOLLAR, text)
    for name, index in named:
        text = re.sub(rf"\${re.escape(name)}(?![\[{WORD}])", state.word_filler(index), text)
    text = re.sub(r"\$ARGUMENTS\[([0-9]+)\]", state.indexed_filler(LITERAL_DOLLAR), text)
    text = re.sub(rf"\$([0-9]+)(?![{WORD}])", state.indexed_filler("$"), text)
    text = re.sub(r"\$ARGUMENTS", lambda _match: state.fill(raw), text)
    if not state.used and append_unused and raw:
        text += "\n\nARGUMENTS: " + state.fill(raw)
    return text.replace(LITERAL_DOLLAR, "$").replace(VALUE_MARK, "")


class _Substitution:
    """The words of one argument string, split on first use, and whether any placeholder took a value."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.used = False
        self._words: Optional[List[str]] = None

    def word(self, index: int) -> Optional[str]:
        if self._words is None:
            self._words = split_arguments(self.raw)
        return self._words[index] if index < len(self._words) else None

    def fill(self, value: Optional[str]) -> str:
        self.used = True
        marked = escape_value(value or "").replace(LITERAL_DOLLAR, "\ufffd").replace(VALUE_MARK, "\ufffd")
        return VALUE_MARK + marked.replace("$", LITERAL_DOLLAR) + VALUE_MARK

    def word_filler(self, index: int) -> Callable[[Match[str]], str]:
        return lambda _match: self.fill(self.word(index))

    def indexed_filler(self, unfilled_prefix: str) -> Callable[[Match[str]], str]:
        def filler(match: Match[str]) -> str:
            value = self.word(int(match.group(1)))
            if value is None:
                return unfilled_prefix + match.group(0)[1:]
            return self.fill(value)
        return filler


def shell_executions(text: str) -> List[ShellExecution]:
    """What the CLI runs when `text` loads: fenced `!` blocks first, then inline `` !`cmd` `` forms."""
    found = list(FENCED.finditer(text))
    if "!`" in text:
        found.extend(INLINE.finditer(_blank_code_spans(text)))
    executions = []
    for match in found:
        command = js_trim(match.group(1) or "").replace("\r\n", "\n")
        if command:
            executions.append(ShellExecution(match.group(0), command, match.start()))
    return executions


def _blank_code_spans(text: str) -> str:
    """Single-backtick spans not preceded by `!` or a backtick, blanked to spaces (same length)."""
    def blank(match: Match[str]) -> str:
        before = text[match.start() - 1] if match.start() > 0 else ""
        if before in ("!", "`"):
            return match.group(0)
        return "`" + " " * (len(match.group(0)) - 2) + "`"
    return CODE_SPAN.sub(blank, text)


def environment_placeholders(text: str) -> List[str]:
    """The `${CLAUDE_*}` and `${user_config.*}` forms in `text` that the CLI fills in when it loads."""
    found = [placeholder for placeholder in ENVIRONMENT_PLACEHOLDERS if placeholder in text]
    return found + [match.group(0) for match in USER_CONFIG.finditer(text)]


def expand(doc: str, raw_args: str, shell_output: Optional[Callable[[str], str]] = None) -> Expansion:
    """A whole command doc for `/name raw_args`: the text the model receives and the commands it runs.

    Shell executions are collected from the text after substitution, as the CLI does; because filled-in
    values are escaped, only the doc's own text can produce one. With `shell_output`, each execution is
    replaced by what it printed (the CLI shows "(Bash completed with no output)" for nothing); without,
    it stays as written. `${CLAUDE_*}` forms are left as written.
    """
    frontmatter, body = split_frontmatter(doc)
    meta = yaml.safe_load(frontmatter) if frontmatter else None
    names = argument_names(meta.get("arguments")) if isinstance(meta, dict) else []
    text = substitute(body, js_trim(raw_args), names)
    executions = shell_executions(text)
    if shell_output is not None:
        for execution in executions:
            text = text.replace(execution.raw, shell_output(execution.command), 1)
    return Expansion(text, tuple(sorted(execution.command for execution in executions)))


def no_output(command: str) -> str:
    """What the CLI puts in place of a shell execution that printed nothing."""
    return "(Bash completed with no output)"
