"""A fast path for loading: a Rust YAML reader, taken only where it provably reads what the
event loader (`wfc.load`) reads.

yaml-rs builds the plain data of a 2 MB workflow in 0.1 s; the event loader, which also records
where every node was written, takes about 1 s. Positions are only needed when there is something
to report, so the compiler reads with this first and asks `wfc.load` for the source map later,
and only if it must. The two readers differ on a few YAML corners (yaml-rs also reads `1_000`,
`0b101`, `0X1F` and `+0x1F` as numbers, and knows tags and anchors we refuse), so any text that
holds such a corner, or anything the event loader refuses or reports (non-printable characters,
several documents, directives, tags, anchors, aliases, merge keys, duplicate or non-string keys,
integers past 64 bits), is left to the event loader. Nesting deeper than the event loader's
limit is not looked for here: no workflow the schema accepts nests that deep, and a document with
any error is read again exactly before it is reported (`wfc.validate`). The guard is deliberately coarse: prose
like `**bold**` sends a file to the exact loader, which only costs time. A differential test
(tests/test_fastload.py) holds the two readers to the same data.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional

import orjson

try:  # a wheel may be missing on an unusual platform: then every file takes the exact loader
    import yaml_rs
except ImportError:  # pragma: no cover - exercised only where yaml-rs is not installed
    yaml_rs = None

_TOKEN_START = r"(?:^|[\s\[\]{},])"
_RARE_CHARACTERS = ("!", "&", "*", "<<", "%", "\t", "\x85", "\u2028", "\u2029", "\ufeff", "\n---", "\n...")
_RARE_SYNTAX = re.compile(
    "|".join((
        _TOKEN_START + r"(?:!|[&*][^\s,\[\]{}])",  # tags, anchors, aliases (`a & b` is neither)
        r"<<",  # merge keys
        r"\n(?:---|\.\.\.)|^%",  # a second document, a document end, directives
        r"[\t\x85\u2028\u2029\ufeff]",  # tabs, YAML 1.1 line breaks, a byte order mark inside the text
    )),
    re.MULTILINE,
)
# Where yaml-rs reads a number and the event loader a string: `1_000`, `_1`, `0x_1`, `0b101`, `0X1F`,
# `+0x1F`. Found by two literal-led scans in C (an alternation would scan far slower), then a look
# at each hit's token.
_NUMBER_HINTS = (re.compile("_"), re.compile("0[xXoObB]"))
_TOKEN_HEAD = re.compile(r"[^\s\[\]{},]*\Z")
_NUMBER_HEAD = re.compile(r"[-+]?[._]*(?:[0-9][0-9A-Za-z.]*)?")
_LONGEST_HEAD = 80
# Inside a flow collection the readers differ on `|`, `>`, `?` and a `:` not followed by a space
# (yaml-rs takes `[|a]` as a string, the event loader refuses it). A collection left open at the
# end of its line goes to the exact loader whole; the others are one line, looked at from their
# opening bracket on, and a line whose collection holds quotes (which may hide brackets) is read
# character by character. The patterns start with a literal, which the regex engine finds at
# memchr speed (a character class, or a look-behind, costs ten times more on a 2 MB file). The
# second brace of a `{{` template closes on its line like any collection.
_FLOW_OPEN_AT_LINE_END = (re.compile(r"\[[^\]\n\"']*\n"), re.compile(r"\{(?!\{)[^}\n\"']*\n"))
_FLOW_WITH_QUOTE = (re.compile(r"\[[^\]\n]*[\"']"), re.compile(r"\{(?!\{)[^}\n]*[\"']"))
_FLOW_CORNER = re.compile(r"[\[{][^\n]*?(?:[|>?]|:(?=\S))")
_COLON_BEFORE_WORD = re.compile(r":(?=\S)")
_FLOW_RISKY = frozenset("|>?")
# yaml-rs reads an empty block scalar at the very end of a document as "\n" where YAML says "".
_BLOCK_HEADER = re.compile(r"(?:^|\s)[|>][-+0-9]*\s*(?:#.*)?$")
_NOT_PRINTABLE = re.compile(r"[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\n\r"


def needs_exact_loader(text: str) -> bool:
    """Whether `text` holds a corner where the two readers may differ. Layered so that the usual
    file costs a few substring tests: each regex runs only when its rare characters are there."""
    if not text.endswith("\n"):
        return True  # yaml-rs gives a block scalar cut off by the end of the file a line break it lacks
    if any(rare in text for rare in _RARE_CHARACTERS) and _RARE_SYNTAX.search(text):
        return True
    if any(_odd_number(text, hint) for pattern in _NUMBER_HINTS for hint in pattern.finditer(text)):
        return True
    if _flow_corner(text) or _ends_in_block_header(text):
        return True
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _PRINTABLE_ASCII))
    return _NOT_PRINTABLE.search(text) is not None


def _flow_corner(text: str) -> bool:
    if "[" not in text and "{" not in text:
        return False
    if any(pattern.search(text) for pattern in _FLOW_OPEN_AT_LINE_END):
        return True
    for pattern in _FLOW_WITH_QUOTE:
        for match in pattern.finditer(text):
            end = text.find("\n", match.start())
            if not _closed_plain_flow(text[match.start():end if end >= 0 else len(text)]):
                return True
    risky = "|" in text or ">" in text or "?" in text or _COLON_BEFORE_WORD.search(text) is not None
    return risky and _FLOW_CORNER.search(text) is not None


def _closed_plain_flow(line: str) -> bool:
    """Whether the collection opening `line` closes on it, with no risky character outside quotes."""
    depth, quote, index = 0, "", 0
    while index < len(line):
        char = line[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote and not (quote == "'" and line[index + 1:index + 2] == "'"):
                quote = ""
            elif char == quote:
                index += 1  # '' inside single quotes is a quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return True
        elif char in _FLOW_RISKY or (char == ":" and line[index + 1:index + 2] not in ("", " ")):
            return False
        index += 1
    return False


def _ends_in_block_header(text: str) -> bool:
    """Whether the last line with content opens a block scalar, which then has none."""
    lines = text[-4096:].splitlines()
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return bool(lines) and _BLOCK_HEADER.search(lines[-1]) is not None


def _odd_number(text: str, hint: "re.Match[str]") -> bool:
    """Whether the hint begins, or continues a token that begins, like a number."""
    start = hint.start()
    window = text[max(0, start - _LONGEST_HEAD):start]
    head = _TOKEN_HEAD.search(window).group()  # type: ignore[union-attr]  # `*\Z` always matches
    if len(head) == _LONGEST_HEAD:
        return True  # a token too long to see whole: let the exact loader read it
    if hint.group() == "_":
        return _NUMBER_HEAD.fullmatch(head) is not None
    return head in ("-", "+") or (head == "" and hint.group() in ("0X", "0O", "0b", "0B"))


def fast_data(text: str) -> Optional[Dict[str, Any]]:
    """The plain data of a workflow text, or None when the exact loader must read it."""
    if yaml_rs is None or needs_exact_loader(text):
        return None
    try:
        data = yaml_rs.loads(text, parse_datetime=False, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error,
                             alias_limits=yaml_rs.AliasLimits(max_total_replayed_events=0))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - any complaint, a Rust panic (a BaseException) included, is the exact loader's to word
        return None
    if type(data) is not dict or not _plain_json(data):
        return None
    return data


def _plain_json(data: Dict[str, Any]) -> bool:
    """Keys all strings and integers within 64 bits, checked in C: orjson refuses anything else."""
    try:
        orjson.dumps(data)
    except orjson.JSONEncodeError:
        return False
    return True
