"""The fake CLI's argument parsing: the real `claude` 2.1.332's options, arities, choices and messages.

The real CLI parses with commander: options are read left to right, a missing or invalid value fails at
once (`error: option '--model <model>' argument missing`), unknown options are reported after the whole
line is read (`error: unknown option '--frob'`, with commander's `(Did you mean --x?)` for a close visible
long flag), a variadic option (`<tools...>`) takes every following argument up to the next one that
starts with `-`, the last of a repeated option wins (repeatable ones accumulate), and the first positional
argument is the prompt. Every one of these exits 1 with the message on stderr.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

VERSION = "2.1.332 (Claude Code)"
PERMISSION_MODES = ("acceptEdits", "auto", "bypassPermissions", "manual", "dontAsk", "plan")


@dataclass(frozen=True)
class Spec:
    """One option: its spellings, how it takes values, and how commander shows it in messages."""

    names: Tuple[str, ...]
    arity: str = "flag"  # flag | value | optional | variadic | repeat
    placeholder: str = ""
    choices: Tuple[str, ...] = ()
    hidden: bool = False

    @property
    def key(self) -> str:
        return self.names[-1].lstrip("-")

    @property
    def shown(self) -> str:
        return f"{self.names[-1]} {self.placeholder}".rstrip()


def _specs() -> List[Spec]:
    flags = ["--allow-dangerously-skip-permissions", "--ax-screen-reader", "--bare", "--brief", "--chrome",
             "--dangerously-skip-permissions", "--desktop", "--disable-slash-commands",
             "--exclude-dynamic-system-prompt-sections", "--fork-session", "--forward-subagent-text", "--ide",
             "--include-hook-events", "--include-partial-messages", "--no-chrome", "--no-session-persistence",
             "--replay-user-messages", "--restricted", "--safe-mode", "--strict-mcp-config", "--tmux", "--verbose"]
    values = {"--agent": "<agent>", "--agents": "<json-or-file>", "--append-system-prompt": "<prompt>",
              "--autocompact": "<auto|tokens>", "--debug-file": "<path>", "--effort": "<level>",
              "--environment": "<environment_id>", "--fallback-model": "<model>", "--json-schema": "<schema>",
              "--max-budget-usd": "<amount>", "--model": "<model>", "--plugin-url": "<url>",
              "--remote-control-session-name-prefix": "<prefix>", "--session-id": "<uuid>",
              "--setting-sources": "<sources>", "--settings": "<file-or-json>", "--system-prompt": "<prompt>"}
    specs = [Spec((name,)) for name in flags] + [Spec((name,), "value", shown) for name, shown in values.items()]
    return specs + [
        Spec(("-p", "--print")), Spec(("-c", "--continue")), Spec(("-h", "--help")), Spec(("-v", "--version")),
        Spec(("--bg", "--background")), Spec(("-n", "--name"), "value", "<name>"),
        Spec(("-d", "--debug"), "optional", "[filter]"), Spec(("-r", "--resume"), "optional", "[value]"),
        Spec(("--cloud",), "optional", "[description|session_id|url]"), Spec(("--from-pr",), "optional", "[value]"),
        Spec(("--prompt-suggestions",), "optional", "[value]"), Spec(("--remote-control",), "optional", "[name]"),
        Spec(("--teleport",), "optional", "[session]"), Spec(("-w", "--worktree"), "optional", "[name]"),
        Spec(("--add-dir",), "variadic", "<directories...>"), Spec(("--betas",), "variadic", "<betas...>"),
        Spec(("--file",), "variadic", "<specs...>"), Spec(("--mcp-config",), "variadic", "<configs...>"),
        Spec(("--tools",), "variadic", "<tools...>"),
        Spec(("--allowedTools", "--allowed-tools"), "variadic", "<tools...>"),
        Spec(("--disallowedTools", "--disallowed-tools"), "variadic", "<tools...>"),
        Spec(("--plugin-dir",), "repeat", "<path>"),
        Spec(("--input-format",), "value", "<format>", ("text", "stream-json")),
        Spec(("--output-format",), "value", "<format>", ("text", "json", "stream-json")),
        Spec(("--permission-mode",), "value", "<mode>", PERMISSION_MODES),
        Spec(("--permission-prompts",), "value", "<target>", ("host", "none")),
        Spec(("--system-prompt-snapshot",), "value", "<on|off>", ("on", "off")),
        Spec(("--max-turns",), "value", "<turns>", hidden=True),
        Spec(("--system-prompt-file",), "value", "<file>", hidden=True),
        Spec(("--append-system-prompt-file",), "value", "<file>", hidden=True),
        Spec(("--permission-prompt-tool",), "value", "<tool>", hidden=True),
    ]


SPECS = _specs()
BY_NAME: Dict[str, Spec] = {name: spec for spec in SPECS for name in spec.names}
# `default` is accepted by --permission-mode though its help lists only PERMISSION_MODES.
ACCEPTED_EXTRA = {"permission-mode": ("default",)}


class UsageError(Exception):
    """A message the real CLI prints on stderr before exiting 1."""


@dataclass
class Options:
    values: Dict[str, object] = field(default_factory=dict)
    positionals: List[str] = field(default_factory=list)

    def get(self, key: str, default: object = None) -> object:
        return self.values.get(key, default)

    def text(self, key: str) -> Optional[str]:
        value = self.values.get(key)
        return value if isinstance(value, str) else None

    def items(self, key: str) -> List[str]:
        value = self.values.get(key, [])
        return list(value) if isinstance(value, list) else []


def parse(argv: Sequence[str]) -> Options:
    """Read argv as the real CLI does; raise UsageError with its message."""
    options, pending = Options(), list(argv)
    unknown: List[str] = []
    while pending:
        token = pending.pop(0)
        if token == "--":
            options.positionals.extend(pending)
            break
        if re.fullmatch(r"-[A-Za-z]{2,}", token) and f"-{token[1]}" in BY_NAME:
            pending[:0] = _split_cluster(token)
            continue
        name, inline = token.split("=", 1) if token.startswith("--") and "=" in token else (token, None)
        spec = BY_NAME.get(name)
        if spec is None or (inline is not None and spec.arity == "flag"):
            (unknown if token.startswith("-") and token != "-" else options.positionals).append(token)
            continue
        _take(spec, options, pending, inline)
    if unknown:
        raise UsageError(f"error: unknown option '{unknown[0]}'{suggestion(unknown[0])}")
    return options


def _split_cluster(token: str) -> List[str]:
    """`-pv` is `-p -v`; a short option that takes a value takes the rest (`-nname`)."""
    spec = BY_NAME[f"-{token[1]}"]
    return [f"-{token[1]}", token[2:] if spec.arity != "flag" else f"-{token[2:]}"]


def _take(spec: Spec, options: Options, pending: List[str], inline: Optional[str]) -> None:
    """Consume the option's values from `pending`: a required value is the next argument whatever it
    looks like; an optional one or a variadic's further values stop at an argument starting with `-`."""
    if spec.arity == "flag":
        options.values[spec.key] = True
        return
    if spec.arity == "optional":
        takes = inline is None and pending and not pending[0].startswith("-")
        options.values[spec.key] = inline if inline is not None else pending.pop(0) if takes else True
        return
    if inline is None and not pending:
        raise UsageError(f"error: option '{spec.shown}' argument missing")
    value = inline if inline is not None else pending.pop(0)
    if spec.arity == "variadic":
        values = [value]
        while inline is None and pending and not pending[0].startswith("-"):
            values.append(pending.pop(0))
        options.values[spec.key] = options.items(spec.key) + values
        return
    _check(spec, value)
    options.values[spec.key] = options.items(spec.key) + [value] if spec.arity == "repeat" else value


def _check(spec: Spec, value: str) -> None:
    invalid = f"error: option '{spec.shown}' argument '{value}' is invalid."
    if spec.choices and value not in spec.choices + ACCEPTED_EXTRA.get(spec.key, ()):
        raise UsageError(f"{invalid} Allowed choices are {', '.join(spec.choices)}.")
    if spec.key == "max-turns" and js_number(value) is None:
        raise UsageError(f"{invalid} must be a number")
    if spec.key == "max-budget-usd" and not (js_number(value) or 0) > 0:
        raise UsageError(f"{invalid} --max-budget-usd must be a number greater than 0")


def js_number(text: str) -> Optional[float]:
    """JavaScript's Number(text) for the forms a flag value takes; None for NaN."""
    stripped = text.strip()
    if stripped == "":
        return 0.0
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?Infinity", stripped) is None:
        return None
    number = float(stripped.replace("Infinity", "inf"))
    return None if math.isnan(number) else number


def suggestion(flag: str) -> str:
    """Commander's `(Did you mean ...?)` line: visible long flags within edit distance 3, 40% alike."""
    if not flag.startswith("--"):
        return ""
    word = flag[2:]
    candidates = sorted({spec.names[-1][2:] for spec in SPECS
                         if spec.names[-1].startswith("--") and not spec.hidden})
    best, similar = 3, []
    for candidate in candidates:
        distance = _edit_distance(word, candidate)
        length = max(len(word), len(candidate))
        if len(candidate) > 1 and (length - distance) / length > 0.4:
            if distance < best:
                best, similar = distance, [candidate]
            elif distance == best:
                similar.append(candidate)
    names = [f"--{name}" for name in sorted(similar)]
    if len(names) > 1:
        return f"\n(Did you mean one of {', '.join(names)}?)"
    return f"\n(Did you mean {names[0]}?)" if names else ""


def _edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment), as commander's suggestSimilar computes it."""
    rows = [[i if j == 0 else j if i == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]
