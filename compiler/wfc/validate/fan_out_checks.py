"""Checks of fan-out (`for_each` and its keys), triggers and conditions on results.

Like every semantic check they read raw data defensively and point at the exact node: the list
item that repeats an instance id, the `steps.NAME` a condition misspells.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from jinja2 import TemplateSyntaxError, nodes

from wfc.diagnostics import codes
from wfc.format.templating import parse_expression
from wfc.format.vocabulary import FAN_OUT_KEYS, OUTCOMES
from wfc.model.fan_out import instance_id
from wfc.validate.finding import Finding, mapping, names, suggest

Steps = Mapping[str, Mapping[str, Any]]


def fan_out_findings(data: Mapping[str, Any], steps: Steps, producers: Mapping[str, str]) -> Iterator[Finding]:
    arguments, context = mapping(data.get("arguments")), mapping(data.get("context"))
    for step_id, step in steps.items():
        if "for_each" not in step:
            yield from _keys_alone(step_id, step)
        else:
            yield from _source(step_id, step, arguments, context, producers)
        yield from _trigger(step_id, step)
        if isinstance(step.get("when"), str):
            yield from condition_findings(step_id, step, steps, producers)


def _keys_alone(step_id: str, step: Mapping[str, Any]) -> Iterator[Finding]:
    for key in FAN_OUT_KEYS[1:]:
        if key in step:
            yield Finding(codes.FAN_OUT_KEY_ALONE, f"`{key}` applies only to a fan-out, but step '{step_id}' has no "
                          "`for_each`", f"add `for_each:` (a list, `args.NAME` or `context.NAME`) or remove `{key}`",
                          ("steps", step_id, key), at_key=True)


def _source(step_id: str, step: Mapping[str, Any], arguments: Mapping[str, Any], context: Mapping[str, Any],
            producers: Mapping[str, str]) -> Iterator[Finding]:
    written = step["for_each"]
    path = ("steps", step_id, "for_each")
    if isinstance(written, list):
        yield from _static(step_id, step, written)
    elif isinstance(written, str) and written.startswith("args."):
        yield from _argument(step_id, written.partition(".")[2], arguments, path)
    elif isinstance(written, str) and written.startswith("context."):
        yield from _context(step_id, written.partition(".")[2], context, producers, path)


def _static(step_id: str, step: Mapping[str, Any], items: List[Any]) -> Iterator[Finding]:
    seen: Dict[str, int] = {}
    for index, item in enumerate(items):
        made = instance_id(step_id, item, index)
        if made in seen:
            yield Finding(codes.DUPLICATE_INSTANCE, f"items {seen[made]} and {index} of the fan-out '{step_id}' both "
                          f"give the instance id '{made}'", "make the items distinct: each runs once",
                          ("steps", step_id, "for_each", index))
        seen.setdefault(made, index)
    minimum = step.get("min_success")
    if isinstance(minimum, int) and not isinstance(minimum, bool) and minimum > len(items):
        yield Finding(codes.MIN_SUCCESS_TOO_HIGH, f"step '{step_id}' needs {minimum} successes, but its fan-out has "
                      f"{len(items)} item{'s' if len(items) != 1 else ''}",
                      f"lower `min_success` to at most {len(items)}", ("steps", step_id, "min_success"))
    if "estimate_items" in step:
        yield Finding(codes.ESTIMATE_ITEMS_IGNORED, f"step '{step_id}' runs over a list written in the file "
                      f"({len(items)} items), so `estimate_items` is not used",
                      "remove `estimate_items`: it plans lists known only at run time",
                      ("steps", step_id, "estimate_items"), at_key=True)


def _argument(step_id: str, name: str, arguments: Mapping[str, Any], path: Tuple[Any, ...]) -> Iterator[Finding]:
    near = r"args\.(?P<at>" + re.escape(name) + ")"
    if name not in arguments:
        hint = suggest(name, list(arguments)) or f"declare it: `arguments: {{{name}: {{type: list}}}}`"
        yield Finding(codes.FAN_OUT_ARGUMENT, f"step '{step_id}' fans out over argument '{name}', which is not "
                      "declared under `arguments`", hint, path, near=near)
        return
    declared = mapping(arguments[name]).get("type", "string")
    if declared != "list":
        yield Finding(codes.FAN_OUT_ARGUMENT, f"step '{step_id}' fans out over argument '{name}', whose type is "
                      f"{declared}, not list", f"set `type: list` on argument '{name}'", path, near=near)


def _context(step_id: str, name: str, context: Mapping[str, Any], producers: Mapping[str, str],
             path: Tuple[Any, ...]) -> Iterator[Finding]:
    near = r"context\.(?P<at>" + re.escape(name) + ")"
    if name not in context:
        hint = suggest(name, list(context)) or "declare it under `context:` and list it in the `outputs` of the " \
            "step that finds the items"
        yield Finding(codes.FAN_OUT_CONTEXT, f"step '{step_id}' fans out over context '{name}', which is not "
                      "declared under `context`", hint, path, near=near)
    elif producers.get(name) in (None, step_id):
        yield Finding(codes.FAN_OUT_CONTEXT, f"step '{step_id}' fans out over context '{name}', but no earlier "
                      "step produces it", f"add '{name}' to the `outputs` of the step that lists the items",
                      path, near=near)


def _trigger(step_id: str, step: Mapping[str, Any]) -> Iterator[Finding]:
    if step.get("trigger") == "on_failure" and not names(step.get("needs")) and not names(step.get("inputs")):
        yield Finding(codes.ON_FAILURE_UNREACHABLE, f"step '{step_id}' runs only when a step it waits for fails, "
                      "but it waits for none, so it never runs",
                      "list the steps whose failure it handles under `needs`", ("steps", step_id, "trigger"))


def waited_for(step: Mapping[str, Any], producers: Mapping[str, str]) -> Set[str]:
    """The steps a raw step waits for directly: `needs`, producers of its inputs and of its list."""
    found = set(names(step.get("needs")))
    found.update(producers[name] for name in names(step.get("inputs")) if name in producers)
    listed = step.get("for_each")
    if isinstance(listed, str) and listed.startswith("context.") and listed[8:] in producers:
        found.add(producers[listed[8:]])
    return found


def condition_findings(step_id: str, step: Mapping[str, Any], steps: Steps,
                       producers: Mapping[str, str]) -> Iterator[Finding]:
    """Every `steps.NAME...` a `when` reads: a step it waits for, and `.outcome` or `.outputs.NAME`."""
    try:
        tree = parse_expression(step["when"])
    except TemplateSyntaxError:
        return  # the template checks report it
    path = ("steps", step_id, "when")
    waits = waited_for(step, producers)
    for chain in step_references(tree):
        yield from _reference(step_id, chain, steps, waits, path)
    if step.get("trigger", "on_success") == "on_success":
        for compared in _outcomes_compared(tree):
            if compared in ("failed", "not_run"):
                yield Finding(codes.OUTCOME_NEVER_SEEN, f"step '{step_id}' tests for the outcome '{compared}', but "
                              "it runs only when every step it waits for succeeded",
                              "add `trigger: always` so that it runs whatever they did", path)


def step_references(tree: nodes.Template) -> List[Tuple[str, ...]]:
    """`steps.a.outputs.b` -> ("a", "outputs", "b"): the longest attribute chains on `steps`."""
    chains: List[Tuple[str, ...]] = []
    inner: Set[int] = set()
    for node in tree.find_all(nodes.Getattr):
        chain: List[str] = []
        current: nodes.Expr = node
        while isinstance(current, nodes.Getattr):
            chain.append(current.attr)
            inner.add(id(current.node))
            current = current.node
        if isinstance(current, nodes.Name) and current.name == "steps" and id(node) not in inner:
            chains.append(tuple(reversed(chain)))
    return chains


def _reference(step_id: str, chain: Tuple[str, ...], steps: Steps, waits: Set[str],
               path: Tuple[Any, ...]) -> Iterator[Finding]:
    target = chain[0]
    near = r"steps\.(?P<at>" + re.escape(target) + r")\b"
    if target not in steps or target not in waits:
        known = sorted(waits)
        hint = (suggest(target, known) or f"add '{target}' to the step's `needs`") if target in steps else \
            suggest(target, list(steps)) or f"the steps are: {', '.join(sorted(steps))}"
        reason = "which is not a step" if target not in steps else "which it does not wait for"
        yield Finding(codes.CONDITION_STEP, f"the condition of step '{step_id}' reads step '{target}', {reason}",
                      hint, path, near=near)
        return
    yield from _attribute(step_id, chain, mapping(steps[target]), path)


def _attribute(step_id: str, chain: Tuple[str, ...], target: Mapping[str, Any],
               path: Tuple[Any, ...]) -> Iterator[Finding]:
    attribute = chain[1] if len(chain) > 1 else None
    if attribute == "outcome" and len(chain) == 2:
        return
    if attribute == "outputs" and len(chain) == 3 and chain[2] in names(target.get("outputs")):
        return
    if attribute == "outputs" and len(chain) == 3:
        produced = names(target.get("outputs"))
        hint = suggest(chain[2], produced) or (f"its outputs are: {', '.join(produced)}" if produced else
                                               "it has no outputs")
        yield Finding(codes.CONDITION_ATTRIBUTE, f"the condition of step '{step_id}' reads output '{chain[2]}' of "
                      f"step '{chain[0]}', which does not produce it", hint, path,
                      near=r"outputs\.(?P<at>" + re.escape(chain[2]) + r")\b")
        return
    shown = ".".join(("steps",) + chain)
    yield Finding(codes.CONDITION_ATTRIBUTE, f"the condition of step '{step_id}' reads `{shown}`; a step has "
                  "`outcome` and `outputs.NAME`",
                  f"write `steps.{chain[0]}.outcome` (one of {', '.join(OUTCOMES)}) or `steps.{chain[0]}.outputs.NAME`",
                  path, near=r"steps\.(?P<at>" + re.escape(chain[0]) + r")\b")


def _outcomes_compared(tree: nodes.Template) -> List[str]:
    """The string constants a condition compares `steps.X.outcome` with."""
    found: List[str] = []
    for compare in tree.find_all(nodes.Compare):
        operands: Sequence[Optional[nodes.Expr]] = [compare.expr] + [operand.expr for operand in compare.ops]
        if any(isinstance(o, nodes.Getattr) and o.attr == "outcome" for o in operands):
            found += [o.value for o in operands if isinstance(o, nodes.Const) and isinstance(o.value, str)]
    return found
