"""A command's input as typed workflow arguments, and `$ARGUMENTS` as a template over them.

Claude Code hands a command one raw string: `$ARGUMENTS` is all of it, `$0`, `$1`, ... its words
(zero-based since 2.1.19), `$name` a word named in frontmatter `arguments:`, and when the text uses
no placeholder the string is appended as `ARGUMENTS: ...`. A workflow has named, typed arguments
instead, so the importer reads what the command says it takes: the `argument-hint`, usage lines
(`/cmd <epic-id> [--dry-run]`, `/cmd --scope=monthly`, `/cmd free text`), and parameter and option
lists (`--scope=daily` - ... (default)). `raw_template` then rebuilds the raw string from them, so a
prompt receives what the legacy command received.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from wfc.legacy.records import Argument

REQUEST = "request"  # the free text after the command's name
_TOKEN = re.compile(r"<[^>]*>|\[[^\]]*\]|\"[^\"]*\"|'[^']*'|\S+")
_OPTION = re.compile(r"^--(?P<name>[A-Za-z][\w-]*)(?:[= ](?P<value>.*))?$")
_PLACEHOLDER = re.compile(r"\$(?:ARGUMENTS\[(?P<indexed>\d)\]|(?P<word>\d)(?![\w%]|[.,]\d)|(?P<all>ARGUMENTS)\b)")
_CHOICES = re.compile(r"\(([\w.-]+(?:\s*\|\s*[\w.-]+)+)\)|^([\w.-]+(?:\|[\w.-]+)+)$")
_DEFAULT = re.compile(r"\bdefault(?:s)?\s*(?:is|:|=)?\s*`?(?P<value>[\w./-]+)`?", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:<\s*)?(?:number|n|int|integer|count|\d+)(?:\s*>)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Seen:
    """One thing the text says about an input: a token of a hint, usage line or parameter list."""

    name: str
    flag: bool  # an option (`--name`) rather than a positional word
    value: Optional[str]  # the value shown, None for a bare flag
    required: bool
    description: str = ""
    choices: Tuple[str, ...] = ()
    default: Optional[str] = None
    line: int = 0


def identifier(text: str) -> str:
    """`--resume-from` -> `resume_from`, `epic-id` -> `epic_id`: an argument name the format takes."""
    name = re.sub(r"\W+", "_", text.strip("-<>[]. ").lower()).strip("_")
    return name if re.match(r"^[a-z_]", name) else f"arg_{name}".rstrip("_")


def hint_tokens(hint: str, line: int) -> List[Seen]:
    """`<service-name> [--depth=quick|thorough] [path]` as the inputs it names."""
    seen: List[Seen] = []
    for raw in _TOKEN.findall(hint):
        optional = raw.startswith("[")
        inner = raw.strip("[]<>").strip()
        if not inner or inner.startswith("...") or inner in ("-", "|"):
            continue
        option = _OPTION.match(inner)
        if option:
            seen.append(_option(option, not optional and raw.startswith("<"), line))
        else:
            name, _, choices = inner.partition("=")
            words = tuple(c for c in re.split(r"\|", name) if c) if "|" in name else ()
            seen.append(Seen(identifier(words[0] if words else name), False, None, raw.startswith("<"),
                             choices=words, line=line))
    return seen


def _option(match: "re.Match[str]", required: bool, line: int) -> Seen:
    value = match.group("value")
    choices = tuple(value.split("|")) if value and "|" in value and "<" not in value else ()
    return Seen(identifier(match.group("name")), True, value, required, choices=choices, line=line)


def usage_tokens(words: str, line: int) -> List[Seen]:
    """What an example invocation passes after `/cmd`: options, positional words or free text."""
    if re.search(r"[<\[]", words):
        return hint_tokens(words, line)
    try:
        tokens = shlex.split(words)
    except ValueError:
        tokens = words.split()
    seen = [_option(m, False, line) for m in map(_OPTION.match, tokens) if m]
    rest = [token for token in tokens if not token.startswith("--")]
    if rest:
        seen.insert(0, Seen(REQUEST, False, " ".join(rest), False, line=line))
    return seen


def parameter_item(text: str, line: int) -> Optional[Seen]:
    """A parameter or option list item: "`--scope=daily` - Daily standup metrics (default)",
    "`epic-id` (required): Epic identifier", "`--phase=<number>`: Execute specific phase (1-6)"."""
    match = re.match(r"^`(?P<token>[^`]+)`\s*(?P<rest>.*)$", text.strip())
    if not match:
        return None
    token, rest = match.group("token").strip(), match.group("rest")
    description = re.sub(r"^\s*(?:\((?:required|optional)\))?\s*[:\-–—]?\s*", "", rest).strip()
    required = "(required)" in rest.lower()
    option = _OPTION.match(token)
    if option:
        found = _option(option, required, line)
        if "(default)" in rest.lower():
            found = replace(found, default=found.value if found.value is not None else "true")
    elif re.match(r"^[a-z][\w-]*$", token):
        found = Seen(identifier(token), False, None, required, line=line)
    else:
        return None
    default = _DEFAULT.search(description)
    choices = _CHOICES.search(description)
    return replace(found, description=re.sub(r"\s*\((?:default)\)\s*", " ", description).strip(),
                   default=found.default or (default.group("value") if default else None),
                   choices=found.choices or (tuple(re.split(r"\s*\|\s*", next(g for g in choices.groups() if g)))
                                             if choices else ()))


def merge(seen: Sequence[Seen], words: int) -> Tuple[Argument, ...]:
    """Every input the text mentions, once, in the order it first appears; positional words first
    (they are the start of the raw string), then options."""
    by_name: Dict[str, List[Seen]] = {}
    for item in seen:
        by_name.setdefault(item.name, []).append(item)
    arguments = [_argument(name, items) for name, items in by_name.items()]
    positional = [a for a in arguments if not a.flag]
    for index in range(len(positional), words):
        positional.append(Argument(f"arg{index}", f"Word {index} of the text after the command (${index})"))
    if not arguments and not words:
        positional = [free_text()]
    return tuple(positional + [a for a in arguments if a.flag])


FREE_TEXT = "What to do: the text typed after the command, passed on as the legacy command received it"


def free_text() -> Argument:
    return Argument(REQUEST, FREE_TEXT, default="")


def _argument(name: str, items: Sequence[Seen]) -> Argument:
    flag = any(item.flag for item in items)
    values = [item.value for item in items if item.value is not None]
    choices = tuple(dict.fromkeys(c for item in items for c in item.choices)) or _enumerated(items)
    if any(_free_form(choice) for choice in choices):
        choices = ()  # `--scope=path/to/module` among the values: any path goes
    default = next((item.default for item in items if item.default is not None), None)
    described = [item for item in items if item.description]
    description = "; ".join(f"{item.value}: {item.description}" if item.value and flag and len(described) > 1
                            else item.description for item in described[:None if flag else 1])
    line = min((item.line for item in items if item.line), default=0)
    required = any(item.required for item in items) and not flag
    kind = _type(flag, values, choices, default)
    value = _typed(default, kind, choices, required)
    return Argument(name, description or _described(name, items), kind, required, value,
                    choices if kind == "string" else (), f"--{name.replace('_', '-')}" if flag else "", line)


def _free_form(value: str) -> bool:
    return bool(re.search(r"[/<{]|^(?:path|file|dir|directory|name|value)$", value))


def _enumerated(items: Sequence[Seen]) -> Tuple[str, ...]:
    """Values listed one per item (`--scope=daily`, `--scope=weekly`, ...) are the choices."""
    listed = [item.value for item in items if item.description and item.value and "<" not in item.value]
    return tuple(dict.fromkeys(listed)) if len(listed) > 1 else ()


def _type(flag: bool, values: Sequence[str], choices: Sequence[str], default: Optional[str]) -> str:
    if flag and not values:
        return "boolean"
    if not choices and values and all(_NUMBERED.match(v) or v.isdigit() for v in values):
        return "integer"
    return "string"


def _typed(default: Optional[str], kind: str, choices: Sequence[str], required: bool) -> object:
    if required:
        return None
    if kind == "boolean":
        return default is not None and default.lower() in ("true", "yes", "on")
    if kind == "integer":
        return int(default) if default and default.isdigit() else None
    if default is not None and (not choices or default in choices):
        return default
    return "" if not choices else None


def _described(name: str, items: Sequence[Seen]) -> str:
    if name == REQUEST:
        return FREE_TEXT
    shown = next((item.value for item in items if item.value and "|" not in item.value), None)
    option = f"--{name.replace('_', '-')}"
    return f"The legacy {option} option" + (f" (e.g. {option}={shown})" if shown and "<" not in shown else "") \
        if any(item.flag for item in items) else f"The legacy <{name.replace('_', '-')}> argument"


def placeholders_in(text: str, named: Sequence[str]) -> Tuple[List[int], bool]:
    """Which words (`$0`, `$ARGUMENTS[1]`, ...) the text uses, and whether it uses `$ARGUMENTS`
    or a frontmatter-named `$word`."""
    words: List[int] = []
    whole = False
    for match in _PLACEHOLDER.finditer(text):
        if match.group("all"):
            whole = True
        else:
            words.append(int(match.group("indexed") or match.group("word")))
    whole = whole or any(re.search(rf"\${re.escape(name)}\b", text) for name in named)
    return sorted(set(words)), whole


def raw_template(arguments: Sequence[Argument]) -> str:
    """The raw argument string as a template: positional words, then each option as typed."""
    pieces: List[str] = []
    for argument in arguments:
        value = f"{{{{ args.{argument.name} }}}}"
        if argument.flag and argument.type == "boolean":
            pieces.append(f"{{% if args.{argument.name} %}} {argument.flag}{{% endif %}}")
        elif argument.flag and argument.default in (None, ""):
            pieces.append(f"{{% if args.{argument.name} %}} {argument.flag}={value}{{% endif %}}")
        elif argument.flag:
            pieces.append(f" {argument.flag}={value}")
        elif argument.required or argument.default not in (None, ""):
            pieces.append(f" {value}")
        else:
            pieces.append(f"{{% if args.{argument.name} %}} {value}{{% endif %}}")
    text = "".join(pieces)
    return text[1:] if text.startswith(" ") else text.replace("%} ", "%}", 1) if text.startswith("{%") else text


def substitute(text: str, arguments: Sequence[Argument], named: Sequence[str]) -> str:
    """`$ARGUMENTS`, `$N`, `$ARGUMENTS[N]` and `$name` as the templates of the words they stand for."""
    positional = [a for a in arguments if not a.flag]
    whole = raw_template(arguments)

    def word(match: "re.Match[str]") -> str:
        if match.group("all"):
            return whole
        index = int(match.group("indexed") or match.group("word"))
        return f"{{{{ args.{positional[index].name} }}}}" if index < len(positional) else match.group(0)

    text = _PLACEHOLDER.sub(word, text)
    for index, name in enumerate(named):
        if index < len(positional):
            text = re.sub(rf"\${re.escape(name)}\b", f"{{{{ args.{positional[index].name} }}}}", text)
    return text


def uses_placeholder(text: str, named: Iterable[str]) -> bool:
    return bool(_PLACEHOLDER.search(text)) or any(re.search(rf"\${re.escape(n)}\b", text) for n in named)
