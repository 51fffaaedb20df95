"""The workflow text an import produces: YAML written by hand, deterministically.

Written here rather than by a YAML library so that the output is the same bytes on every machine
and version, reads like a hand-written workflow (literal prompt blocks, block lists) and quotes
anything a user could have typed.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List

SCHEMA_COMMENT = "# yaml-language-server: $schema=../schema/workflow.schema.json"
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
_DURATION = re.compile(r"^(\d+(ms|h|m|s|d))+$")
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
_JINJA_OPEN = re.compile(r"\{(?=[{%#])")
_FLOW_ITEM = _PLAIN


def jinja_literal(text: str) -> str:
    """Text that renders as itself in a Jinja template: every `{` that would open a tag is printed."""
    return _JINJA_OPEN.sub('{{ "{" }}', text)


def scalar(value: Any) -> str:
    """A YAML scalar: plain when it cannot be misread, else a double-quoted JSON string (which is
    valid YAML) with every character YAML would not take escaped."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if value is None:
        return "null"
    text = str(value)
    if (_PLAIN.match(text) and text.lower() not in _RESERVED) or _DURATION.match(text):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _UNPRINTABLE.sub(lambda m: "\\u%04x" % ord(m.group(0)), quoted)


def _literal_ok(text: str) -> bool:
    lines = text.split("\n")
    return (len(lines) > 1 and not text.startswith((" ", "\t")) and not _UNPRINTABLE.search(text)
            and "\t" not in text and all(line == line.rstrip() for line in lines))


def _block(head: str, text: str, pad: str) -> List[str]:
    return [f"{head} |-"] + [f"{pad}  {line}" if line else "" for line in text.split("\n")]


def mapping_lines(data: Dict[str, Any], indent: int = 0) -> List[str]:
    pad = " " * indent
    lines: List[str] = []
    for key, value in data.items():
        head = f"{pad}{scalar(key)}:"
        if isinstance(value, dict):
            lines += [head] + mapping_lines(value, indent + 2) if value else [f"{head} {{}}"]
        elif isinstance(value, list):
            lines += _list_lines(head, value, pad)
        elif isinstance(value, str) and _literal_ok(value):
            lines += _block(head, value, pad)
        else:
            lines.append(f"{head} {scalar(value)}")
    return lines


def _list_lines(head: str, values: List[Any], pad: str) -> List[str]:
    """Names (`needs`, `inputs`) as a flow list; sentences one per line."""
    if all(isinstance(v, str) and _FLOW_ITEM.match(v) and v.lower() not in _RESERVED for v in values):
        return [f"{head} [{', '.join(values)}]"]
    lines = [head]
    for value in values:
        if isinstance(value, str) and _literal_ok(value):
            lines += _block(f"{pad}  -", value, pad + "  ")
        else:
            lines.append(f"{pad}  - {scalar(value)}")
    return lines


def to_yaml(data: Dict[str, Any], source: str) -> str:
    shown = _UNPRINTABLE.sub("?", source.replace("\n", " "))
    header = [SCHEMA_COMMENT, f"# Imported by `wfc import` from {shown}.",
              "# Each step waits for the one before it, as the legacy command ran them: keep only the",
              "# dependencies each step really has, and the plan shows what running them together saves."]
    return "\n".join(header + mapping_lines(data)) + "\n"
