"""User templates (prompts, titles, `run` strings, `when` conditions): one sandbox, one parser,
one answer to "what does this template read".

Templates come from workflow files, which may come from anyone, so they render in Jinja's
immutable sandbox (no attribute tricks, no I/O) with StrictUndefined (a typo is an error, not an
empty string). The validator checks them statically with the same parser, the runtime renders
them with the same environment, and the cache keys ask `references` which arguments a step reads:
what validates is what runs, and no two parts can disagree about what a template uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple, Union

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from wfc.format.shell_quoting import UNQUOTED, Context, ShellProblem, contexts, opted_out, quote
from wfc.format.vocabulary import LOOP_NAMES

NAMESPACES = ("args", "context", "step")
Command = Union[str, Tuple[str, ...]]


class TemplateFailed(Exception):
    """A template did not render; the message names the template's role and Jinja's reason."""


@lru_cache(maxsize=1)
def sandbox() -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    environment.filters[UNQUOTED] = _printed  # in a shell command: paste as it is (see shell_quoting)
    return environment


def _printed(value: Any) -> str:
    """The text Jinja prints for a value (`str`; an undefined value raises, as printing it would)."""
    return value if isinstance(value, str) else str(value)


_QUOTE_FILTER = "wfc_shell_quote"  # not in `sandbox()`: no template can name it


@lru_cache(maxsize=1)
def _command_sandbox() -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    environment.filters.update(sandbox().filters)
    environment.filters[_QUOTE_FILTER] = _quoted
    return environment


def _quoted(value: Any, kind: str, backticks: int, delimiter: str, tabs: bool) -> str:
    return quote(_printed(value), Context(kind, backticks, delimiter, tabs))


def is_template(text: str) -> bool:
    """Whether Jinja would see anything but plain text: most titles and many prompts are plain."""
    return "{{" in text or "{%" in text or "{#" in text


@lru_cache(maxsize=4096)
def parse(text: str) -> nodes.Template:
    """The template's syntax tree; raises jinja2.TemplateSyntaxError. Remembered by source text:
    thousands of steps often share one shape."""
    return sandbox().parse(text)


def parse_expression(expression: str) -> nodes.Template:
    """A `when` condition parsed as the template that prints it."""
    return parse("{{ (" + expression + ") }}")


@dataclass(frozen=True)
class References:
    """What a template reads: the names it looks up in each namespace, the namespaces it uses as
    a whole (`args | tojson`, `args[name]`), and every other free variable it names."""

    lookups: Mapping[str, FrozenSet[str]]
    whole: FrozenSet[str]
    free: FrozenSet[str]

    def names_in(self, namespace: str) -> FrozenSet[str]:
        return self.lookups.get(namespace, frozenset())


def references(tree: nodes.Template) -> References:
    """The one reading of a parsed template's references (see `References`)."""
    from jinja2 import meta

    lookups: Dict[str, Set[str]] = {}
    counted: Dict[str, int] = {}
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, (nodes.Getattr, nodes.Getitem))  # what find_all was asked for
        target = node.node
        if not isinstance(target, nodes.Name) or target.name not in NAMESPACES:
            continue
        key = node.attr if isinstance(node, nodes.Getattr) else _constant_key(node)
        if key is not None:
            lookups.setdefault(target.name, set()).add(key)
            counted[target.name] = counted.get(target.name, 0) + 1
    mentions: Dict[str, int] = {}
    for name_node in tree.find_all(nodes.Name):
        if name_node.name in NAMESPACES:
            mentions[name_node.name] = mentions.get(name_node.name, 0) + 1
    whole = frozenset(name for name, count in mentions.items() if count > counted.get(name, 0))
    free = frozenset(meta.find_undeclared_variables(tree)) - set(NAMESPACES)
    return References({name: frozenset(keys) for name, keys in lookups.items()}, whole, free)


def _constant_key(node: nodes.Getitem) -> Any:
    return node.arg.value if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str) else None


def arguments_read(texts: Iterable[str]) -> Tuple[str, ...]:
    """The argument names that templates read, sorted, for the cache key: a step whose templates
    never mention an argument keeps its cache when that argument changes. `("*",)` means every
    argument (a template uses `args` as a whole, or does not parse)."""
    from jinja2 import TemplateError

    names: Set[str] = set()
    for text in texts:
        if not is_template(text):
            continue
        try:
            found = references(parse(text))
        except TemplateError:
            return ("*",)
        if "args" in found.whole:
            return ("*",)
        names |= found.names_in("args")
    return tuple(sorted(names))


@lru_cache(maxsize=4096)
def _compiled(text: str) -> Any:
    return sandbox().from_string(text)


@lru_cache(maxsize=1024)
def _condition(expression: str) -> Callable[..., Any]:
    return sandbox().compile_expression(expression, undefined_to_none=False)


def render(text: str, data: Mapping[str, Any], role: str = "template") -> str:
    """`text` rendered over `data` (args, context, step); plain text is returned untouched."""
    if not is_template(text):
        return text
    try:
        return str(_compiled(text).render(**data))
    except Exception as error:  # user expressions can raise anything (1 // 0, "a" + 1)
        raise TemplateFailed(f"{role} {text!r} does not render: {error}") from error


@lru_cache(maxsize=1024)
def _shell_compiled(text: str) -> Any:
    """`text` with each printed value wrapped in the quoting of where it lands (see
    `shell_quoting`); raises ShellProblem. Parsed afresh: the shared parse is not to be changed."""
    tree = sandbox().parse(text)
    found = contexts(tree)
    for output in tree.find_all(nodes.Output):
        assert isinstance(output, nodes.Output)  # what find_all was asked for
        output.nodes = [_wrapped(child, found[id(child)]) if id(child) in found and not opted_out(child) else child
                        for child in output.nodes]
    return _command_sandbox().from_string(tree)


def _wrapped(node: nodes.Expr, context: Context) -> nodes.Expr:
    arguments = [nodes.Const(part) for part in context.as_list()]
    return nodes.Filter(node, _QUOTE_FILTER, arguments, [], None, None, lineno=node.lineno)


def printed_lookups(command: str) -> Optional[List[Tuple[str, Optional[Context]]]]:
    """Each value a string `run` command prints, in the order written: what it looks up (`args.NAME`,
    `context.NAME`, `step.NAME`, `item`, `index`; "" for any other expression) and where it lands in
    the shell (None for a value `unquoted` pastes as it is). None when the command does not parse, or
    its quoting is undecidable: validation reports both."""
    try:
        tree = parse(command)
        found = contexts(tree)
    except (TemplateError, ShellProblem):
        return None
    return [(_lookup_of(child), None if opted_out(child) else found.get(id(child)))
            for output in tree.find_all(nodes.Output) for child in output.nodes
            if not isinstance(child, nodes.TemplateData)]


def _lookup_of(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name if node.name in LOOP_NAMES else ""
    if not isinstance(node, (nodes.Getattr, nodes.Getitem)) or not isinstance(node.node, nodes.Name) or \
            node.node.name not in NAMESPACES:
        return ""
    if isinstance(node, nodes.Getattr):
        return f"{node.node.name}.{node.attr}"
    key = _constant_key(node)
    return f"{node.node.name}.{key}" if isinstance(key, str) else ""


def render_command(command: Command, data: Mapping[str, Any]) -> Command:
    """A string renders whole (it goes to a shell), each value quoted for where it lands; a list
    renders item by item and stays a list, so an argument value can never become shell syntax."""
    if isinstance(command, str):
        if not is_template(command):
            return command
        try:
            return str(_shell_compiled(command).render(**data))
        except ShellProblem as problem:
            raise TemplateFailed(f"run {command!r} cannot be quoted: {problem.message}") from problem
        except Exception as error:  # as in `render`; QuotingRefused names the value's problem
            raise TemplateFailed(f"run {command!r} does not render: {error}") from error
    return tuple(render(item, data, "run item") for item in command)


def evaluate_when(expression: str, args: Mapping[str, Any], names: Mapping[str, Any] = {}) -> bool:
    """`names`: what else the condition sees (the step's inputs, `steps`, a fan-out's item)."""
    try:
        return bool(_condition(expression)(**{**names, "args": dict(args)}))
    except Exception as error:  # as in `render`
        raise TemplateFailed(f"when {expression!r} does not evaluate: {error}") from error
