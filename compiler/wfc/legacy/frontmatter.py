"""The `---` frontmatter of a command, read as leniently as Claude Code reads it.

Claude Code takes `argument-hint: [file] [focus]` as the hint text even though YAML cannot parse
it (two flow sequences on one line), so a strict YAML load would lose every key of such a file.
Each top-level `key: value` line is therefore also read as written, and for `argument-hint` the
written text always wins: `[a]` alone is valid YAML, but a list, not the hint the author typed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple

from wfc.diagnostics import Diagnostic
from wfc.diagnostics.codes import IMPORT_DROPPED

_KEY_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*$")
# keys a workflow has a place for (see `LegacyCommand`), in Claude Code's spelling
KNOWN = ("description", "argument-hint", "allowed-tools", "model", "name", "agent", "arguments")
# keys that change how Claude Code offers the command, not what it does: nothing to carry over
INERT = ("disable-model-invocation", "user-invocable", "when_to_use", "version", "metadata", "tags",
         "category", "author", "paths")


@dataclass(frozen=True)
class Frontmatter:
    values: Tuple[Tuple[str, Any], ...]  # normalised key -> value, in file order
    end: int  # the line of the closing `---`, 0 when there is no frontmatter
    lines: Tuple[Tuple[str, int], ...]  # normalised key -> its line

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.values).get(key, default)

    def line_of(self, key: str) -> int:
        return dict(self.lines).get(key, 1)


NONE = Frontmatter((), 0, ())


def read(lines: Sequence[str], source: str) -> Tuple[Frontmatter, List[Diagnostic]]:
    """The frontmatter at the top of `lines`, and a warning for each key with no workflow field."""
    if not lines or lines[0].strip() != "---":
        return NONE, []
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return NONE, []
    parsed = _yaml(lines[1:end])
    values: Dict[str, Any] = {}
    where: Dict[str, int] = {}
    for offset, line in enumerate(lines[1:end], start=2):
        match = _KEY_LINE.match(line)
        if not match:
            continue
        key = match.group("key").replace("_", "-").lower()
        raw = _unquoted(match.group("value"))
        value = parsed.get(match.group("key"), raw) if key != "argument-hint" else raw
        values[key], where[key] = (raw if value is None else value), offset
    warnings = [_dropped(key, where[key], lines[where[key] - 1], source) for key in values if key not in KNOWN]
    return Frontmatter(tuple(values.items()), end + 1, tuple(where.items())), warnings


def _yaml(lines: Sequence[str]) -> Dict[str, Any]:
    """The frontmatter as YAML where it parses (for lists such as `allowed-tools:` in block form)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=True).load("\n".join(lines))
    except (YAMLError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _unquoted(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _dropped(key: str, line: int, text: str, source: str) -> Diagnostic:
    why = ("it changes how Claude Code offers the command, not what it does" if key in INERT
           else "a workflow has no field for it")
    return IMPORT_DROPPED.at(f"dropped: frontmatter key `{key}` ({why})", source, line, 1, "", (), text)


def tools(value: Any) -> Tuple[str, ...]:
    """`allowed-tools` as a list: `Read, Grep, Bash(git diff:*)` splits at commas outside
    parentheses; a YAML list is taken as it is."""
    if isinstance(value, list):
        return tuple(str(item).split("#")[0].strip() for item in value if str(item).strip())
    text = str(value or "").strip().strip("[]")
    found, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char in ", " and depth == 0:
            if current.strip():
                found.append(current.strip())
            current = ""
            continue
        current += char
    if current.strip():
        found.append(current.strip())
    return tuple(found)
