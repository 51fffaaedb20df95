"""Claude Code's Bash permission rules for a workflow's commands, defined once for the command doc
(which pre-approves them) and for `wfc validate` (which warns on broad ones).

Claude Code splits a compound command at `&&`, `||`, `;` and `|` and each part must match a rule of
its own, so a command gets one rule per part: the exact part when every word is plain
(`Bash(make test)`), else its plain leading words as a prefix (`Bash(git diff *)`). A part whose
program is templated gets no rule at all: the only rule that would match it is a bare `Bash`,
which approves every command.
"""
from __future__ import annotations

import re
import shlex
from typing import List, Optional, Sequence, Tuple, Union

from wfc.format.vocabulary import BROAD_BASH_PREFIXES

_PLAIN_WORD = re.compile(r"[A-Za-z0-9._/+=@%:,-]+")
_SEPARATORS = ("&&", "||", ";", "|", "&", "\n")

Command = Union[str, Sequence[str]]


def command_parts(command: str) -> List[str]:
    """The simple commands of a shell line, split where Claude Code splits it: outside quotes and
    outside `{{ ... }}` templates (whose filters are written with `|`)."""
    parts, current, index, quote, braces = [], "", 0, "", 0
    while index < len(command):
        char, pair = command[index], command[index:index + 2]
        if quote:
            quote = "" if char == quote else quote
        elif pair in ("{{", "{%"):
            braces, current, index = braces + 1, current + pair, index + 2
            continue
        elif pair in ("}}", "%}") and braces:
            braces, current, index = braces - 1, current + pair, index + 2
            continue
        elif char in "'\"" and not braces:
            quote = char
        elif not braces and (pair in _SEPARATORS or char in _SEPARATORS):
            step = 2 if pair in _SEPARATORS else 1
            parts.append(current)
            current, index = "", index + step
            continue
        current += char
        index += 1
    return [part.strip() for part in parts + [current] if part.strip()]


def part_rule(words: Sequence[str]) -> Optional[str]:
    """The narrowest rule for one simple command's words, or None when its program is templated."""
    plain = 0
    while plain < len(words) and _PLAIN_WORD.fullmatch(words[plain]):
        plain += 1
    if not plain:
        return None
    if plain == len(words):
        return f"Bash({' '.join(words)})"
    return f"Bash({' '.join(words[:plain])} *)"


def _words(part: str) -> List[str]:
    try:
        return shlex.split(part) if "{" not in part else part.split()
    except ValueError:  # an unbalanced quote: the shell would refuse it too, and no rule is narrower
        return part.split()


def bash_rules(command: Command) -> Tuple[Tuple[str, Optional[str]], ...]:
    """(part, its rule or None) for each part of a command; a list of arguments is one part."""
    if not isinstance(command, str):
        words = [str(word) for word in command]
        return ((" ".join(words), part_rule([w if "{" not in w else "{" for w in words])),)
    return tuple((part, part_rule(_words(part))) for part in command_parts(command))


def is_broad(rule: str) -> bool:
    """Whether a Bash rule approves running any code or deleting any path (`Bash(sh -c *)`)."""
    match = re.fullmatch(r"Bash\((.*)\)", rule.strip(), re.S)
    if match is None:
        return False
    inner = match.group(1).strip()
    if "*" not in inner:
        return False
    head = inner.replace(":*", " *").split("*", 1)[0].strip()
    return not head or any(head == prefix or head.startswith(prefix + " ") or prefix.startswith(head + " ")
                           for prefix in BROAD_BASH_PREFIXES)
