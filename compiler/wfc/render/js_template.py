"""User templates (`prompt`, `run`, `when`) as JavaScript expressions for the Workflow script.

A Workflow script has no Jinja, so each template becomes one expression that builds the same text
from the script's variables: `A` (the arguments), `C` (the context values) and the attempt `n`.
Values are JSON (the arguments, an agent's text, a schema-shaped object), and every operation is
given Python's and Jinja's meaning through a small runtime of helpers (`wfc.render.js_runtime`), so
`{{ args.retries }}` prints `None` for a missing value and `{% if findings %}` is false for `[]`,
exactly as `wfc run` renders them. What has no faithful translation raises `Untranslatable` naming
the construct; the renderer turns that into a compile-time warning and a step that refuses to run,
never into JavaScript that renders something else.
"""
from __future__ import annotations

import json
import math
import re
from json.encoder import encode_basestring
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, cast

from jinja2 import TemplateError, nodes

from wfc.format.shell_quoting import Context, ShellProblem, contexts, opted_out
from wfc.format.templating import is_template, parse, parse_expression

# Names Python resolves on a dict, list or str before any key (`d.items` is a method, not d["items"])
_PYTHON_ATTRIBUTES = frozenset(dir({}) + dir([]) + dir(""))
_LOOP_FIELDS = ("index", "index0", "first", "last", "length", "revindex", "revindex0")
_FILTERS = {"upper": "upper", "lower": "lower", "trim": "trim", "string": "str", "length": "len", "count": "len",
            "first": "first", "last": "last", "tojson": "json"}
_COMPARISONS = {"eq": "eq({0}, {1})", "ne": "!eq({0}, {1})", "in": "has({1}, {0})", "notin": "!has({1}, {0})",
                "lt": "cmp({0}, {1}) < 0", "gt": "cmp({0}, {1}) > 0", "lteq": "cmp({0}, {1}) <= 0",
                "gteq": "cmp({0}, {1}) >= 0"}


class Expression(str):
    """A scope value known only when the script runs: JavaScript written as it is, not a literal
    (a dynamic fan-out instance's `item`, `index` and `step.id`)."""


def _value(value: object) -> str:
    return str(value) if isinstance(value, Expression) else js_literal(value)


class Untranslatable(Exception):
    """`construct` (as users write it) has no faithful JavaScript translation."""

    def __init__(self, construct: str) -> None:
        super().__init__(construct)
        self.construct = construct


def js_literal(value: object) -> str:
    """A JavaScript literal for JSON data: JSON, with the line separators some engines refuse in
    strings written as escapes, and `</` as `<\\/` so the text can sit in an HTML script tag."""
    text = encode_basestring(value) if type(value) is str else json.dumps(value, ensure_ascii=False)
    if "\u2028" not in text and "\u2029" not in text and "</" not in text:
        return text
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("</", "<\\/")


@dataclass
class Scope:
    """What the names of one template mean in the script."""

    context: Sequence[str]  # the context names the template may read (the step's inputs)
    step: Dict[str, object]  # `step.id` and `step.title`; `step.attempt` is the variable `n`
    attempt: bool = True  # whether `n` exists where the expression is evaluated
    helpers: Set[str] = field(default_factory=set)
    loops: List[str] = field(default_factory=list)  # loop variables in scope, innermost last
    reads_attempt: bool = False  # set once a template reads `step.attempt`
    item: Dict[str, object] = field(default_factory=dict)  # an instance's `item` and `index` (Expression: at run time)
    steps: Sequence[str] = ()  # the steps a `when` may read as `steps.NAME` (outcome, outputs)
    quoting: Dict[int, Context] = field(default_factory=dict)  # a shell command's values: where each lands


def shell_template(text: str, scope: Scope) -> str:
    """A string `run` command: `template`, with each value quoted for where it lands in the shell's
    syntax (`shq`, the quoting `wfc run` applies), except those written `| unquoted`."""
    if not is_template(text):
        return js_literal(text)
    try:
        tree = parse(text)
        scope.quoting = contexts(tree)
    except TemplateError as error:
        raise Untranslatable(f"a template that does not parse ({error})") from None
    except ShellProblem as problem:
        raise Untranslatable(f"shell syntax wfc cannot quote values in ({problem.message})") from None
    try:
        return _Translator(scope).body(tree.body)
    finally:
        scope.quoting = {}


def template(text: str, scope: Scope) -> str:
    """A JavaScript expression whose value is `text` rendered (a string)."""
    if not is_template(text):  # as `wfc run` renders it: the text as it is, newlines and all
        return js_literal(text)
    simple = _simple(text, scope)
    if simple is not None:
        return simple
    try:
        tree = parse(text)
    except TemplateError as error:  # validation reports it; nothing faithful to translate
        raise Untranslatable(f"a template that does not parse ({error})") from None
    return _Translator(scope).body(tree.body)


_NEWLINES = re.compile(r"\r\n|\r|\n")
SIMPLE_LOOKUP = re.compile(r"\{\{\s*([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?\s*\}\}")  # {{ name }}, {{ name.attribute }}


def _simple(text: str, scope: Scope) -> Optional[str]:
    """Most templates are text and `{{ args.x }}`-style lookups, which need no Jinja parse (ten
    times the cost of the rest): the same expression, with the text's newlines as Jinja's lexer
    writes them. None for anything else."""
    pieces = SIMPLE_LOOKUP.split(text)  # text, name, attribute, text, ...
    if any(opener in piece for piece in pieces[::3] for opener in ("{{", "{%", "{#")):
        return None
    translator = _Translator(scope)
    parts = []
    for index in range(0, len(pieces), 3):
        if pieces[index]:
            parts.append(js_literal(_NEWLINES.sub("\n", pieces[index])))
        if index + 1 < len(pieces):
            name, attribute = nodes.Name(pieces[index + 1], "load"), pieces[index + 2]
            value = translator.lookup(name, attribute, attribute=True) if attribute else translator.expr(name)
            parts.append(translator.call("str", value))
    return " + ".join(parts) if parts else '""'


def condition(expression: str, scope: Scope) -> str:
    """A JavaScript expression that is true when the Jinja expression `expression` is truthy."""
    try:
        tree = parse_expression(expression)
    except TemplateError as error:
        raise Untranslatable(f"a condition that does not parse ({error})") from None
    (output,) = tree.body
    translator = _Translator(scope)
    return translator.call("truthy", translator.expr(output.nodes[0]))  # type: ignore[attr-defined]


class _Translator:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def call(self, helper: str, *arguments: str) -> str:
        self.scope.helpers.add(helper)
        return f"{helper}({', '.join(arguments)})"

    # -- statements: each becomes a string-valued expression ------------------------------------

    def body(self, statements: Sequence[nodes.Node]) -> str:
        parts = [part for statement in statements for part in self.statement(statement)]
        return " + ".join(parts) if parts else '""'

    def statement(self, node: nodes.Node) -> List[str]:
        if isinstance(node, nodes.Output):
            return [js_literal(child.data) if isinstance(child, nodes.TemplateData) else self.printed(child)
                    for child in node.nodes if not (isinstance(child, nodes.TemplateData) and not child.data)]
        if isinstance(node, nodes.If):
            return [self.branches(node)]
        if isinstance(node, nodes.For):
            return [self.loop(node)]
        raise Untranslatable(_statement_name(node))

    def printed(self, node: nodes.Expr) -> str:
        """`{{ node }}`: its text, quoted for the shell where it lands in a shell command."""
        text = self.call("str", self.expr(node))
        context = self.scope.quoting.get(id(node))
        if context is None or opted_out(node):
            return text
        return self.call("shq", text, js_literal(context.as_list()))

    def branches(self, node: nodes.If) -> str:
        otherwise = self.body(node.else_)
        for branch in reversed([node, *node.elif_]):
            otherwise = f"({self.call('truthy', self.expr(branch.test))} ? {self.body(branch.body)} : {otherwise})"
        return otherwise

    def loop(self, node: nodes.For) -> str:
        if not isinstance(node.target, nodes.Name):
            raise Untranslatable("a `{% for %}` that unpacks several names")
        if node.test is not None or node.recursive:
            raise Untranslatable("a `{% for ... if ... %}` filter or a recursive loop")
        items = self.expr(node.iter)
        self.scope.loops.append(node.target.name)
        try:
            body = self.body(node.body)
        finally:
            self.scope.loops.pop()
        otherwise = f", () => {self.body(node.else_)}" if node.else_ else ""
        return self.call("each", items, f"($_{node.target.name}, $loop) => {body}" + otherwise)

    # -- expressions ----------------------------------------------------------------------------

    def expr(self, node: nodes.Node) -> str:
        handler: Optional[Callable[[nodes.Node], str]] = getattr(self, "_" + type(node).__name__.lower(), None)
        if handler is None:
            raise Untranslatable(_expression_name(node))
        return handler(node)

    def _const(self, node: nodes.Const) -> str:
        value = node.value
        if isinstance(value, (list, tuple)):  # a literal list the parser folded into one constant
            return "[" + ", ".join(self._const(nodes.Const(item)) for item in value) + "]"
        if isinstance(value, float) and (value.is_integer() or not math.isfinite(value)):
            twin = int(value) if math.isfinite(value) else value
            raise Untranslatable(f"the number {value!r}, which JavaScript cannot tell from {twin}")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise Untranslatable(f"the constant {value!r}")
        if isinstance(value, str) and any("\ud800" <= char <= "\udfff" for char in value):
            raise Untranslatable("a string of UTF-16 halves (`\\ud83d\\ude00`), which Jinja keeps apart and "
                                 "JavaScript joins")
        return js_literal(value)

    def _neg(self, node: nodes.Neg) -> str:
        if isinstance(node.node, nodes.Const) and type(node.node.value) in (int, float):
            return self._const(nodes.Const(-node.node.value))
        raise Untranslatable("arithmetic (`-`)")

    def _list(self, node: nodes.List) -> str:
        return "[" + ", ".join(self.expr(item) for item in node.items) + "]"

    _tuple = _list

    def _name(self, node: nodes.Name) -> str:
        name = node.name
        if name in self.scope.loops:
            return f"$_{name}"
        if name == "loop" and self.scope.loops:
            return "$loop"
        if name in self.scope.item:
            return _value(self.scope.item[name])
        if name == "args":
            return "A"
        if name == "context":
            return "{" + ", ".join(f"{js_literal(entry)}: C[{js_literal(entry)}]" for entry in self.scope.context) + "}"
        if name == "step":
            fields = [f"{key}: {_value(value)}" for key, value in self.scope.step.items()]
            self.scope.reads_attempt = self.scope.attempt
            return "{" + ", ".join(fields + (["attempt: n"] if self.scope.attempt else [])) + "}"
        raise Untranslatable(f"the name `{name}`")

    def _getattr(self, node: nodes.Getattr) -> str:
        return self.lookup(node.node, node.attr, attribute=True)

    def _getitem(self, node: nodes.Getitem) -> str:
        if isinstance(node.arg, nodes.Slice):
            raise Untranslatable("a slice (`[a:b]`)")
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, (str, int)):
            return self.lookup(node.node, node.arg.value, attribute=False)
        return self.call("get", self.expr(node.node), self.expr(node.arg))

    def lookup(self, target: nodes.Node, key: object, attribute: bool) -> str:
        """`x.key` or `x[key]` with a constant key; the three namespaces resolve at compile time."""
        if isinstance(target, nodes.Name) and target.name not in self.scope.loops:
            if attribute and key in _PYTHON_ATTRIBUTES and target.name in ("args", "context"):
                raise Untranslatable(f"`{target.name}.{key}`, which Jinja resolves to a Python method, not the value")
            if target.name == "args":
                return f"A[{js_literal(key)}]"
            if target.name == "context" and key in self.scope.context:
                return f"C[{js_literal(key)}]"
            if target.name == "steps" and key in self.scope.steps:
                return f"S[{js_literal(key)}]"
            if target.name == "step" and key in self.scope.step:
                return _value(self.scope.step[key])
            if target.name == "step" and key == "attempt" and self.scope.attempt:
                self.scope.reads_attempt = True
                return "n"
            if target.name == "loop" and self.scope.loops:
                if key in _LOOP_FIELDS:
                    return f"$loop.{key}"
                raise Untranslatable(f"`loop.{key}`")
        value = self.expr(target)
        if attribute and key in _PYTHON_ATTRIBUTES:
            raise Untranslatable(f"`.{key}`, which Jinja resolves to a Python method before any key")
        return self.call("get", value, js_literal(key))

    def _not(self, node: nodes.Not) -> str:
        return "!" + self.call("truthy", self.expr(node.node))

    def _and(self, node: nodes.And) -> str:
        return self.call("and", self.expr(node.left), f"() => {self.expr(node.right)}")

    def _or(self, node: nodes.Or) -> str:
        return self.call("or", self.expr(node.left), f"() => {self.expr(node.right)}")

    def _condexpr(self, node: nodes.CondExpr) -> str:
        if node.expr2 is None:
            raise Untranslatable("an inline `if` without `else`")
        return f"({self.call('truthy', self.expr(node.test))} ? {self.expr(node.expr1)} : {self.expr(node.expr2)})"

    def _concat(self, node: nodes.Concat) -> str:
        return "(" + " + ".join(self.call("str", self.expr(part)) for part in node.nodes) + ")"

    def _compare(self, node: nodes.Compare) -> str:
        if len(node.ops) != 1 or node.ops[0].op not in _COMPARISONS:
            raise Untranslatable("a chained comparison" if len(node.ops) != 1 else f"the operator `{node.ops[0].op}`")
        operand = node.ops[0]
        shape = _COMPARISONS[operand.op]
        self.scope.helpers.add(shape.split("(")[0].lstrip("!"))
        return "(" + shape.format(self.expr(node.expr), self.expr(operand.expr)) + ")"

    def _test(self, node: nodes.Test) -> str:
        if node.args or node.kwargs or node.name not in ("defined", "undefined", "none"):
            raise Untranslatable(f"the test `is {node.name}`")
        value = self.expr(node.node)
        return {"defined": f"({value} !== undefined)", "undefined": f"({value} === undefined)",
                "none": f"({value} === null)"}[node.name]

    def _filter(self, node: nodes.Filter) -> str:
        name = node.name
        if node.node is None or node.dyn_args is not None or node.dyn_kwargs is not None:
            raise Untranslatable(f"the filter `{name}` used this way")
        value = self.expr(node.node)
        arguments = [self.expr(argument) for argument in node.args]
        keywords = {pair.key: pair.value for pair in cast(List[nodes.Keyword], node.kwargs)}
        if name in ("default", "d"):
            if len(arguments) > 2 or set(keywords) - {"boolean"} or (len(arguments) == 2 and keywords):
                raise Untranslatable(f"`{name}` with these arguments")
            fallback = arguments[0] if arguments else '""'
            boolean = arguments[1] if len(arguments) == 2 else self.expr(keywords["boolean"]) if keywords else "false"
            return self.call("dflt", value, fallback, boolean)
        if name == "unquoted" and not arguments and not keywords:  # Jinja's printed text, as `wfc run` has it
            return self.call("str", value)
        if name == "join" and not keywords and len(arguments) <= 1:
            return self.call("join", value, *arguments)
        if name in _FILTERS and not arguments and not keywords:
            return self.call(_FILTERS[name], value)
        known = name in _FILTERS or name == "join"
        raise Untranslatable(f"the filter `{name}`" + (" with these arguments" if known else ""))


def _statement_name(node: nodes.Node) -> str:
    tags = {"Assign": "set", "AssignBlock": "set", "Macro": "macro", "CallBlock": "call", "FilterBlock": "filter",
            "With": "with", "Include": "include", "Import": "import", "FromImport": "from", "Extends": "extends",
            "Block": "block", "Scope": "scope", "ExprStmt": "do", "Continue": "continue", "Break": "break"}
    tag = tags.get(type(node).__name__)
    return f"`{{% {tag} %}}`" if tag else f"the statement {type(node).__name__}"


def _expression_name(node: nodes.Node) -> str:
    if isinstance(node, nodes.Call):
        return "a function or method call"
    if isinstance(node, (nodes.BinExpr, nodes.UnaryExpr)):
        return f"arithmetic (`{getattr(node, 'operator', '?')}`)"
    if isinstance(node, nodes.Dict):
        return "a dict literal"
    return f"the expression {type(node).__name__}"
