"""Static checks of user templates: syntax, and every `args.X` / `context.X` they name.

The parser and the reading of references are `wfc.format.templating`'s, shared with the runtime,
so a template that passes here renders there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence

from jinja2 import TemplateSyntaxError

from wfc.diagnostics.wording import closest
from wfc.format.templating import References, parse, parse_expression, references
from wfc.diagnostics import codes
from wfc.diagnostics.codes import Code


@dataclass(frozen=True)
class TemplateProblem:
    code: Code
    message: str
    hint: str


def check_template(text: str, arguments: Sequence[str], inputs: Sequence[str]) -> List[TemplateProblem]:
    """Syntax and names of one template (prompt, title, command)."""
    try:
        tree = parse(text)
    except TemplateSyntaxError as error:
        return [
            TemplateProblem(
                codes.TEMPLATE_SYNTAX,
                f"the template does not parse: {error.message} (template line {error.lineno})",
                "fix the Jinja syntax; write {{ '{{' }} for literal braces, or wrap text in {% raw %}...{% endraw %}",
            )
        ]
    return _problems(references(tree), arguments, inputs)


def check_expression(expression: str, arguments: Sequence[str]) -> List[TemplateProblem]:
    """Syntax and names of a `when` condition, which sees only the arguments."""
    try:
        tree = parse_expression(expression)
    except TemplateSyntaxError as error:
        return [TemplateProblem(codes.TEMPLATE_SYNTAX, f"the condition does not parse: {error.message}",
                                "write a Jinja expression such as `args.deploy` or `args.env == 'prod'`")]
    return _problems(references(tree), arguments, ())


def _problems(found: References, arguments: Sequence[str], inputs: Sequence[str]) -> List[TemplateProblem]:
    problems = [_undefined(name) for name in sorted(found.free)]
    known = {"args": list(arguments), "context": list(inputs)}
    for namespace, names in known.items():
        for attribute in sorted(found.names_in(namespace)):
            if attribute not in names:
                problems.append(_unknown_lookup(namespace, attribute, names))
    return problems


def _undefined(name: str) -> TemplateProblem:
    return TemplateProblem(codes.TEMPLATE_UNDEFINED, f"the template names '{name}', which is not defined",
                           "templates can use `args.NAME`, `context.NAME` (the step's inputs) and `step`")


def _unknown_lookup(namespace: str, attribute: str, known: Sequence[str]) -> TemplateProblem:
    missing = f"there is no argument '{attribute}'" if namespace == "args" else f"the step has no input '{attribute}'"
    return TemplateProblem(codes.TEMPLATE_UNDEFINED, f"the template uses '{namespace}.{attribute}', but {missing}",
                           _lookup_hint(namespace, attribute, known))


def _lookup_hint(namespace: str, attribute: str, known: Sequence[str]) -> str:
    close = closest(attribute, known)
    if close:
        return f"did you mean '{namespace}.{close}'?"
    if namespace == "context":
        return f"add '{attribute}' to the step's `inputs`" + (f" (its inputs are: {', '.join(known)})" if known else "")
    return f"declare '{attribute}' under `arguments`" + (f" (the arguments are: {', '.join(known)})" if known else "")
