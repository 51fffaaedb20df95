"""The one Jinja environment every renderer uses, and the escaping filter for each target.

Templates receive plain data. A user string never reaches generated text raw: it passes through
the filter for its context (`py` for Python literals, `json`, `md` for markdown text, `yaml` for
YAML scalars, `fence` for fenced code), so a quote, backtick or `{{` in a title cannot change
the structure of the output.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Iterable

from jinja2 import Environment, PackageLoader, StrictUndefined

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")
_MARKDOWN_ESCAPES = {ord(char): "\\" + char for char in "\\`*_{}[]<>()#+-.!|~"}
_BACKTICKS = re.compile(r"`+")
# Characters JSON leaves raw but YAML reads as line breaks (U+0085, U+2028, U+2029) or refuses as
# non-printable (DEL, C1 controls, the BOM, U+FFFE/U+FFFF): written as \u escapes in YAML scalars.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def python_literal(value: Any) -> str:
    """A Python expression that evaluates to `value` (str, numbers, bools, None, lists, dicts)."""
    return repr(value)


def json_literal(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def markdown_text(value: Any) -> str:
    """Inline markdown that shows the text literally, on one line. Called a few times per step of
    the command doc, so text without a special character skips the rewrite, and the rewrite is a
    translate table (what `_MARKDOWN_SPECIAL.sub(r"\\\1", ...)` does, without a call back into
    Python per match)."""
    text = " ".join(str(value).split())
    return text.translate(_MARKDOWN_ESCAPES) if _MARKDOWN_SPECIAL.search(text) else text


def markdown_piece(value: Any) -> str:
    """`markdown_text` for a piece of a longer line: whitespace runs become one space, but a space at
    either end is kept (the piece's neighbours need it)."""
    text = re.sub(r"\s+", " ", str(value))
    return text.translate(_MARKDOWN_ESCAPES) if _MARKDOWN_SPECIAL.search(text) else text


def yaml_scalar(value: Any) -> str:
    """A YAML value on one line: a boolean as it is, a list as a flow sequence of double-quoted
    strings, anything else a double-quoted scalar (JSON strings are valid YAML). No `---` is left
    in it: a Markdown file's frontmatter ends at the first `---`, even inside a value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(yaml_scalar, value)) + "]"
    quoted = json.dumps(str(value), ensure_ascii=False)
    quoted = _YAML_UNSAFE.sub(lambda match: f"\\u{ord(match.group(0)):04x}", quoted)
    return quoted.replace("-", "\\u002d") if "---" in quoted else quoted


def inline_code(value: Any) -> str:
    """An inline code span showing the text literally on one line: delimited by a backtick run
    longer than any inside it, padded when the text starts or ends with a backtick."""
    text = " ".join(str(value).split())
    if not text:
        return ""
    if "`" not in text:  # most names: the one-backtick span, without scanning for runs
        return f"`{text}`"
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def code_list(values: Iterable[Any]) -> str:
    """Inline code spans joined by commas: one filter call where a template loop would pay for a
    loop object and a `loop.last` test per item (the command doc writes such a list per step)."""
    return ", ".join(map(inline_code, values))


def markdown_list(values: Iterable[Any]) -> str:
    """Inline markdown texts joined by commas, as `code_list` does for code spans."""
    return ", ".join(map(markdown_text, values))


def code_fence(value: Any, language: str = "") -> str:
    """A fenced block longer than any backtick run inside, so the content cannot close it."""
    text = str(value)
    if "`" not in text:  # most prompts: the shortest fence, without scanning for runs
        return f"```{language}\n{text}\n```"
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Built once per process: loading templates is the expensive part of rendering."""
    env = Environment(
        loader=PackageLoader("wfc", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(py=python_literal, json=json_literal, md=markdown_text, yaml=yaml_scalar, fence=code_fence,
                       code=inline_code, code_list=code_list, md_list=markdown_list)
    return env


def render(template_name: str, **data: Any) -> str:
    return environment().get_template(template_name).render(**data)
