"""Static checks of user templates: syntax, and every `args.X` / `context.X` they name.

The parser and the reading of references are `wfc.format.templating`'s, shared with the runtime,
so a template that passes here renders there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

from jinja2 import TemplateSyntaxError, nodes

from wfc.diagnostics.wording import closest
from wfc.format.shell_quoting import UNQUOTED, ShellProblem, contexts
from wfc.format.templating import References, parse, parse_expression, references, sandbox
from wfc.format.vocabulary import LOOP_NAMES
from wfc.diagnostics import codes
from wfc.diagnostics.codes import Code


@dataclass(frozen=True)
class TemplateProblem:
    code: Code
    message: str
    hint: str
    near: str = ""  # a regular expression whose group `at` is where in the text the problem is


# Filters that take the name of another filter or test as their first (or second) argument.
_NAMED_BY_ARGUMENT = {"map": ("filter", 0), "select": ("test", 0), "reject": ("test", 0),
                      "selectattr": ("test", 1), "rejectattr": ("test", 1)}


def check_template(text: str, arguments: Sequence[str], inputs: Sequence[str],
                   loop: bool = False, shell: bool = False) -> List[TemplateProblem]:
    """Syntax and names of one template (prompt, title, command); `loop`: the step fans out, so
    `item` and `index` are defined; `shell` (a string `run`): also how its values are quoted."""
    try:
        tree = parse(text)
    except TemplateSyntaxError as error:
        return [_syntax(error)]
    problems = _checked(tree, arguments, inputs, LOOP_NAMES if loop else ())
    return problems + list(shell_quoting_problems(tree)) if shell and not problems else problems


def shell_quoting_problems(tree: nodes.Template) -> Iterator[TemplateProblem]:
    """A value whose quoting cannot be told (an error), and each `| unquoted` (a warning)."""
    try:
        contexts(tree)
    except ShellProblem as problem:
        yield TemplateProblem(codes.QUOTING_UNDECIDABLE, problem.message, problem.hint, problem.near)
    if any(node.name == UNQUOTED for node in tree.find_all(nodes.Filter)):
        yield TemplateProblem(codes.UNQUOTED_VALUE,
                              "the run command pastes a value unquoted (`| unquoted`): the value's text becomes "
                              "shell syntax, so a value holding `;`, `$( )` or a quote runs as code",
                              "drop `| unquoted` unless the value is meant to be shell syntax and comes only from "
                              "you (never from an agent or an argument others pass)",
                              r"\|\s*(?P<at>unquoted)\b")


def _syntax(error: TemplateSyntaxError) -> TemplateProblem:
    return TemplateProblem(codes.TEMPLATE_SYNTAX,
                           f"the template does not parse: {error.message} (template line {error.lineno})",
                           "fix the Jinja syntax; write {{ '{{' }} for literal braces, or wrap text in "
                           "{% raw %}...{% endraw %}")


def _checked(tree: nodes.Template, arguments: Sequence[str], inputs: Sequence[str],
             defined: Sequence[str]) -> List[TemplateProblem]:
    """Unknown filters and tests first: Jinja's own reading of the names fails on them."""
    unknown = list(unknown_filters_and_tests(tree))
    if unknown:
        return unknown
    try:
        found = references(tree)
    except TemplateSyntaxError as error:  # what only compiling finds (Jinja's assertion errors)
        return [_syntax(error)]
    return _problems(found, arguments, inputs, defined)


def unknown_filters_and_tests(tree: nodes.Template) -> Iterator[TemplateProblem]:
    """Every filter and test the template names, `map('upper')`-style names included, that the
    sandbox does not have: at run time each would fail the step."""
    for kind, name, near in _named(tree):
        known = sandbox().filters if kind == "filter" else sandbox().tests
        if name in known:
            continue
        close = closest(name, sorted(known))
        usage = "`| NAME`" if kind == "filter" else "`is NAME`"
        hint = f"did you mean '{close}'?" if close else f"see the Jinja {kind}s wfc templates can use ({usage})"
        yield TemplateProblem(codes.UNKNOWN_FILTER, f"the template uses the {kind} '{name}', which Jinja does not have",
                              hint, near)


def _named(tree: nodes.Template) -> Iterator[Tuple[str, str, str]]:
    """(filter or test, its name, where it is written) for every one the template names, once each."""
    seen = set()
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        assert isinstance(node, (nodes.Filter, nodes.Test))  # what find_all was asked for
        kind = "filter" if isinstance(node, nodes.Filter) else "test"
        written = r"(?:\||\bfilter\s)\s*(?P<at>{})\b" if kind == "filter" else r"\bis\s+(?:not\s+)?(?P<at>{})\b"
        found = [(kind, node.name, written.format(re.escape(node.name)))]
        argument = _name_argument(node)
        if argument is not None:
            found.append((argument[0], argument[1], r"['\"](?P<at>{})['\"]".format(re.escape(argument[1]))))
        for entry in found:
            if entry[:2] not in seen:
                seen.add(entry[:2])
                yield entry


def _name_argument(node: nodes.Filter | nodes.Test) -> Optional[Tuple[str, str]]:
    """`map('upper')`: the filter or test a higher-order filter is given by name."""
    if not isinstance(node, nodes.Filter) or node.name not in _NAMED_BY_ARGUMENT:
        return None
    kind, index = _NAMED_BY_ARGUMENT[node.name]
    if len(node.args) <= index or any(pair.key == "attribute" for pair in node.kwargs):
        return None
    argument = node.args[index]
    return (kind, argument.value) if isinstance(argument, nodes.Const) and isinstance(argument.value, str) else None


def check_expression(expression: str, arguments: Sequence[str], inputs: Sequence[str] = (),
                     loop: bool = False) -> List[TemplateProblem]:
    """Syntax and names of a `when` condition, which sees the arguments, the step's inputs and
    `steps` (the outcomes and outputs of the steps it waits for; `fan_out_checks` reads those)."""
    try:
        tree = parse_expression(expression)
    except TemplateSyntaxError as error:
        return [TemplateProblem(codes.TEMPLATE_SYNTAX, f"the condition does not parse: {error.message}",
                                "write a Jinja expression such as `args.deploy` or `args.env == 'prod'`")]
    return _checked(tree, arguments, inputs, ("steps",) + (LOOP_NAMES if loop else ()))


def _problems(found: References, arguments: Sequence[str], inputs: Sequence[str],
              defined: Sequence[str]) -> List[TemplateProblem]:
    free = sorted(found.free - set(defined))
    problems = [_outside_fan_out(name) if name in LOOP_NAMES else _undefined(name) for name in free]
    known = {"args": list(arguments), "context": list(inputs)}
    for namespace, names in known.items():
        for attribute in sorted(found.names_in(namespace)):
            if attribute not in names:
                problems.append(_unknown_lookup(namespace, attribute, names))
    return problems


def _outside_fan_out(name: str) -> TemplateProblem:
    return TemplateProblem(codes.LOOP_OUTSIDE_FAN_OUT, f"the template uses '{name}', but the step has no `for_each`",
                           "add `for_each:` (a list, `args.NAME` or `context.NAME`) to run the step once per item",
                           r"\b(?P<at>" + name + r")\b")


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
