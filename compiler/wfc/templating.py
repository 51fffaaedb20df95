"""Templates in prompts, titles and commands: sandboxed Jinja, where an undefined name is an error.

The validator checks templates statically (syntax, and every `args.X` / `context.X` they name),
and the runtime renders them with the same environment, so what compiles is what runs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, List, Mapping, Sequence

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from wfc.wording import closest

NAMESPACES = ("args", "context", "step")


@dataclass(frozen=True)
class TemplateProblem:
    code: str
    message: str
    hint: str


@lru_cache(maxsize=1)
def sandbox() -> ImmutableSandboxedEnvironment:
    """Templates come from workflow files, which may come from anyone: no attribute tricks, no I/O."""
    return ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def render_template(text: str, values: Mapping[str, Any]) -> str:
    return sandbox().from_string(text).render(**values)


def evaluate_expression(expression: str, values: Mapping[str, Any]) -> Any:
    return sandbox().compile_expression(expression, undefined_to_none=False)(**values)


SIMPLE_LOOKUP = re.compile(r"\{\{\s*([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?\s*\}\}")


def check_template(text: str, arguments: Sequence[str], inputs: Sequence[str]) -> List[TemplateProblem]:
    """Syntax and names of one template. Most prompts use only `{{ args.x }}`-style lookups, which a
    regular expression checks exactly; anything else gets Jinja's parser (ten times slower)."""
    remainder = SIMPLE_LOOKUP.sub(lambda m: "" if m.group(1) in NAMESPACES else m.group(0), text)
    if not any(opener in remainder for opener in ("{{", "{%", "{#")):
        return _simple_problems(text, arguments, inputs)
    try:
        tree = sandbox().parse(text)
    except TemplateSyntaxError as error:
        return [TemplateProblem("WFC050", f"the template does not parse: {error.message} (template line {error.lineno})",
                                "fix the Jinja syntax; write {{ '{{' }} for literal braces, or wrap text in {% raw %}...{% endraw %}")]
    return _undefined_names(tree, arguments, inputs)


def check_expression(expression: str, arguments: Sequence[str]) -> List[TemplateProblem]:
    try:
        tree = sandbox().parse("{{ (" + expression + ") }}")
    except TemplateSyntaxError as error:
        return [TemplateProblem("WFC050", f"the condition does not parse: {error.message}",
                                "write a Jinja expression such as `args.deploy` or `args.env == 'prod'`")]
    return _undefined_names(tree, arguments, ())


def _undefined_names(tree: nodes.Template, arguments: Sequence[str], inputs: Sequence[str]) -> List[TemplateProblem]:
    problems = [_undefined(name) for name in sorted(meta.find_undeclared_variables(tree) - set(NAMESPACES))]
    return problems + _unknown_lookups(_namespace_lookups(tree), arguments, inputs)


def _simple_problems(text: str, arguments: Sequence[str], inputs: Sequence[str]) -> List[TemplateProblem]:
    lookups = [(m.group(1), m.group(2)) for m in SIMPLE_LOOKUP.finditer(text) if m.group(2) is not None]
    return _unknown_lookups(lookups, arguments, inputs)


def _undefined(name: str) -> TemplateProblem:
    return TemplateProblem("WFC051", f"the template names '{name}', which is not defined",
                           "templates can use `args.NAME`, `context.NAME` (the step's inputs) and `step`")


def _unknown_lookups(lookups: Sequence[tuple], arguments: Sequence[str], inputs: Sequence[str]) -> List[TemplateProblem]:
    known = {"args": list(arguments), "context": list(inputs)}
    problems = []
    for namespace, attribute in lookups:
        if namespace in known and attribute not in known[namespace]:
            missing = f"there is no argument '{attribute}'" if namespace == "args" else f"the step has no input '{attribute}'"
            problems.append(TemplateProblem("WFC051", f"the template uses '{namespace}.{attribute}', but {missing}",
                                            _lookup_hint(namespace, attribute, known[namespace])))
    return problems


def _lookup_hint(namespace: str, attribute: str, known: Sequence[str]) -> str:
    close = closest(attribute, known)
    if close:
        return f"did you mean '{namespace}.{close}'?"
    if namespace == "context":
        return f"add '{attribute}' to the step's `inputs`" + (f" (its inputs are: {', '.join(known)})" if known else "")
    return f"declare '{attribute}' under `arguments`" + (f" (the arguments are: {', '.join(known)})" if known else "")


def _namespace_lookups(tree: nodes.Template) -> List[tuple]:
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        target = node.node
        if not isinstance(target, nodes.Name) or target.name not in ("args", "context"):
            continue
        if isinstance(node, nodes.Getattr):
            found.append((target.name, node.attr))
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            found.append((target.name, node.arg.value))
    return found
