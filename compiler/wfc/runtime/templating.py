"""Rendering user templates at run time: prompts, titles, `run` strings and `when` conditions.

They render in the validator's own sandbox (`wfc.templating.sandbox`: no attribute escapes into
Python internals, StrictUndefined so a typo is an error), so what validates is what runs.
Compiled templates are memoised by source text: thousands of steps often share one shape.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Mapping, Tuple

from jinja2.exceptions import TemplateError

from wfc.model import Command
from wfc.templating import sandbox


class TemplateFailed(Exception):
    """A template did not render; the message names the template's role and Jinja's reason."""


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text or "{#" in text


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


def render_command(command: Command, data: Mapping[str, Any]) -> Command:
    """A string renders whole (it goes to a shell); a list renders item by item and stays a list,
    so an argument value can never become shell syntax."""
    if isinstance(command, str):
        return render(command, data, "run")
    return tuple(render(item, data, "run item") for item in command)


def evaluate_when(expression: str, args: Mapping[str, Any]) -> bool:
    try:
        return bool(_condition(expression)(args=dict(args)))
    except Exception as error:  # as in `render`
        raise TemplateFailed(f"when {expression!r} does not evaluate: {error}") from error


def template_args(texts: Tuple[str, ...]) -> Tuple[str, ...]:
    """The argument names that templates read (`args.x`, `args['x']`), for the cache key: a step
    whose templates never mention an argument keeps its cache when that argument changes. `None`
    in the result means "every argument" (the templates use `args` as a whole)."""
    from jinja2 import nodes

    names: set = set()
    whole = False
    for text in texts:
        if not is_template(text):
            continue
        try:
            tree = sandbox().parse(text)
        except TemplateError:
            whole = True
            continue
        used = 0
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            if isinstance(node.node, nodes.Name) and node.node.name == "args":
                key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
                if isinstance(key, str):
                    names.add(key)
                    used += 1
                else:
                    whole = True
        mentions = sum(1 for n in tree.find_all(nodes.Name) if n.name == "args")
        whole = whole or mentions > used
    return ("*",) if whole else tuple(sorted(names))
