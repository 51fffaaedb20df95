"""Semantic checks: what the JSON schema cannot express (references, producers, cycles, resources,
step kinds, templates, enums).

They read the raw data defensively, so they also run when the schema found problems elsewhere and
the user sees every finding in one run. Each check is a small generator of `Finding`s; positions
are attached by the caller, which owns the source map.
"""
from __future__ import annotations

import math
import re
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from wfc.diagnostics import codes
from wfc.diagnostics.wording import where
from wfc.format.durations import parse_duration
from wfc.format.vocabulary import (
    ARGUMENT_TYPES, BACKOFF_KEYS, DEFAULT_ARGUMENT_TYPE, DURATION_KEYS, KIND_KEYS, KIND_ONLY_KEYS, TEMPLATE_KEYS,
)
from wfc.validate.budget_checks import budget_findings
from wfc.validate.fan_out_checks import fan_out_findings, waited_for
from wfc.validate.finding import Finding, indexed, mapping, names, suggest
from wfc.validate.template_checks import TemplateProblem, check_expression, check_template


def all_findings(data: Mapping[str, Any], stem: str) -> Iterator[Finding]:
    steps = {sid: step for sid, step in mapping(data.get("steps")).items() if isinstance(step, dict)}
    yield from check_name(data, stem)
    yield from check_arguments(mapping(data.get("arguments")))
    for step_id, step in steps.items():
        yield from check_kind(step_id, step)
        yield from check_finite_durations(("steps", step_id), step)
    yield from check_finite_durations(("defaults",), mapping(data.get("defaults")))
    for name, entry in mapping(data.get("context")).items():
        yield from check_finite_durations(("context", name), mapping(entry))
    yield from check_needs(steps)
    yield from check_context(steps, mapping(data.get("context")))
    yield from check_resources(steps, data.get("resources"))
    yield from check_cycles(steps)
    yield from check_templates(data, steps)
    yield from fan_out_findings(data, steps, producers_of(steps))
    yield from budget_findings(data, steps)


WORKFLOW_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")  # what a slash command can be called
WORKFLOW_NAME_LENGTH = 64


def check_name(data: Mapping[str, Any], stem: str) -> Iterator[Finding]:
    yield from check_file_name(stem)
    name = data.get("name")
    if isinstance(name, str) and name != stem:
        valid = WORKFLOW_NAME.fullmatch(name) is not None
        hint = f"rename the file to '{name}.yaml' or set `name: {stem}` (or drop `name`)" if valid else \
            f"set `name: {stem}` or drop `name`: the file name is the workflow's name"
        yield Finding(codes.NAME_DIFFERS, f"the workflow is named '{name}' but its file is '{stem}'", hint, ("name",))


def check_file_name(stem: str) -> Iterator[Finding]:
    """The file stem names the slash command (`/release-notes`) and the generated files, so it
    has to be a name one can type: `release notes.yaml` would be an untypeable `/release notes`."""
    if WORKFLOW_NAME.fullmatch(stem) and len(stem) <= WORKFLOW_NAME_LENGTH:
        return
    yield Finding(codes.FILE_NAME_NOT_COMMAND,
                  f"the file name '{stem}' cannot name a workflow: the slash command and the generated files are "
                  f"named after it, and a workflow name is lower-case letters and digits in words joined by single "
                  f"hyphens, at most {WORKFLOW_NAME_LENGTH} characters",
                  f"rename the file to '{command_name_for(stem)}.yaml'", ())


def command_name_for(stem: str) -> str:
    """The closest valid workflow name: accents dropped, lower case, other runs of characters as one hyphen."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    name = words if re.match(r"[a-z]", words) else f"workflow-{words}".rstrip("-")
    return name[:WORKFLOW_NAME_LENGTH].rstrip("-")


def check_arguments(arguments: Mapping[str, Any]) -> Iterator[Finding]:
    for arg_name, spec in arguments.items():
        if isinstance(spec, dict):
            yield from check_argument_numbers(arg_name, spec)
        if not isinstance(spec, dict) or spec.get("default") is None:
            continue
        default, enum = spec["default"], spec.get("enum")
        if isinstance(enum, list) and default not in enum:
            choices = ", ".join(repr(choice) for choice in enum)
            yield Finding(codes.DEFAULT_NOT_IN_ENUM,
                          f"the default {default!r} of argument '{arg_name}' is not one of its enum values ({choices})",
                          "make the default one of the enum values, or add it to `enum`",
                          ("arguments", arg_name, "default"))
        kinds = ARGUMENT_TYPES.get(spec.get("type", DEFAULT_ARGUMENT_TYPE))
        wrong_bool = isinstance(default, bool) and spec.get("type") in ("integer", "number")
        if kinds and (not isinstance(default, kinds) or wrong_bool):
            article = "an" if str(spec.get("type", DEFAULT_ARGUMENT_TYPE))[:1] in "aeiou" else "a"
            expected = f"{article} {spec.get('type', 'string')}"
            yield Finding(
                codes.DEFAULT_WRONG_TYPE,
                f"the default {default!r} of argument '{arg_name}' is not {expected}",
                "change the default or the argument's `type`",
                ("arguments", arg_name, "default"),
            )


def check_argument_numbers(arg_name: str, spec: Mapping[str, Any]) -> Iterator[Finding]:
    """Plans are JSON, read by other tools too: a default or choice must be a number JSON can carry."""
    enum = spec.get("enum")
    choices = enum if isinstance(enum, list) else []
    values = [(("default",), spec.get("default"))] + [(("enum", i), v) for i, v in enumerate(choices)]
    for suffix, value in values:
        if not representable(value):
            yield Finding(codes.NUMBER_NOT_REPRESENTABLE,
                          f"the number {shown_number(value)} in argument '{arg_name}' cannot be represented: numbers "
                          "must be finite and between -2**63 and 2**63 - 1",
                          "write a smaller number, or quote it to make it a string", ("arguments", arg_name) + suffix)


def shown_number(value: Any) -> str:
    """A number as a message shows it: a 300-digit integer would drown the message."""
    text = str(value)
    return text if len(text) <= 24 else f"{text[:12]}... ({len(text.lstrip('-'))} digits)"


def representable(value: Any) -> bool:
    """Whether a number survives JSON: finite, and an integer small enough for 64 bits."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return -INT64 <= value < INT64
    return True


def check_kind(step_id: str, step: Mapping[str, Any]) -> Iterator[Finding]:
    kinds = [key for key in KIND_KEYS if key in step]
    if not kinds:
        yield Finding(codes.KIND_OF_WORK,
                      f"step '{step_id}' has no kind of work: it needs exactly one of `prompt`, `run` or `call`",
                      "add `prompt:` for an agent, `run:` for a shell command or `call: module:function` for Python",
                      ("steps", step_id), at_key=True)
        return
    if len(kinds) > 1:
        listed = " and ".join(f"`{key}`" for key in kinds)
        yield Finding(
            codes.KIND_OF_WORK,
            f"step '{step_id}' has several kinds of work ({listed}); a step does exactly one",
            "split it into one step per kind and connect them with `needs`",
            ("steps", step_id, kinds[1]),
            at_key=True,
        )
        return
    kind = KIND_KEYS[kinds[0]]
    for other_kind, keys in KIND_ONLY_KEYS.items():
        for key in keys:
            if key in step and kind != other_kind:
                yield Finding(
                    codes.KEY_OF_OTHER_KIND,
                    f"`{key}` applies only to {other_kind} steps, but step '{step_id}' is a {kind} step",
                    f"remove `{key}`, or make the step a{'n' if other_kind == 'agent' else ''} {other_kind} step",
                    ("steps", step_id, key),
                    at_key=True,
                )
    compensate = step.get("compensate")
    if isinstance(compensate, dict) and sum(key in compensate for key in KIND_KEYS) != 1:
        yield Finding(codes.COMPENSATION_ACTION,
                      f"the compensation of step '{step_id}' needs exactly one of `run`, `call` or `prompt`",
                      "give the compensation one action", ("steps", step_id, "compensate"), at_key=True)


MAX_DURATION = 10**10  # seconds, about 317 years: past it, sums of estimates lose meaning and overflow
LONGEST = f"the longest duration wfc accepts ({MAX_DURATION:,} s, about 317 years)"
INT64 = 2**63  # what JSON readers in other languages (and orjson) take




def check_finite_durations(base: Tuple[Any, ...], holder: Mapping[str, Any]) -> Iterator[Finding]:
    """The schema accepts any number >= 0, and YAML can spell infinity (`.inf`), not-a-number and
    numbers too large for a float."""
    retry = mapping(holder.get("retry"))
    candidates: List[Tuple[Tuple[str, ...], Any]] = [((key,), holder[key]) for key in DURATION_KEYS if key in holder]
    if retry:
        candidates += [(("retry", key), retry[key]) for key in BACKOFF_KEYS if key in retry]
        factor = retry.get("factor")
        if isinstance(factor, float) and not math.isfinite(factor):
            yield Finding(
                codes.NOT_FINITE,
                f"{where(base + ('retry', 'factor'))}: the backoff factor must be a finite number, found {factor}",
                "write a factor like 2 (each retry waits twice as long as the one before)",
                base + ("retry", "factor"),
            )
    for suffix, value in candidates:
        problem = duration_problem(value)
        if problem:
            yield Finding(codes.NOT_A_DURATION, f"{where(base + suffix)}: {problem}",
                          "write a finite duration like 90s, 5m, 1h30m or 250ms (a bare number is seconds)",
                          base + suffix)


def duration_problem(value: Any) -> str:
    """Why a number or duration string cannot be used, or an empty string. Shapes the schema
    rejects (negative, not a duration) are left to it."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"a number ({value}) is not a duration"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > MAX_DURATION:
        return f"{shown_number(value)} seconds is longer than {LONGEST}"
    if isinstance(value, str):
        seconds = parse_duration(value)
        if seconds is not None and not seconds <= MAX_DURATION:
            return f"'{value}' is longer than {LONGEST}"
    return ""


def check_needs(steps: Mapping[str, Mapping[str, Any]]) -> Iterator[Finding]:
    for step_id, step in steps.items():
        for suffix, needed in indexed(step.get("needs")):
            path = ("steps", step_id, "needs") + suffix
            if needed == step_id:
                yield Finding(
                    codes.NEEDS_ITSELF, f"step '{step_id}' needs itself", "remove it from its own `needs`", path
                )
            elif needed not in steps:
                hint = suggest(needed, list(steps)) or f"the steps are: {', '.join(sorted(steps))}"
                yield Finding(codes.UNKNOWN_STEP, f"step '{step_id}' needs '{needed}', which is not a step", hint, path)


def producers_of(steps: Mapping[str, Mapping[str, Any]]) -> Dict[str, str]:
    """Context name -> the first step (in file order) that lists it in `outputs`."""
    producers: Dict[str, str] = {}
    for step_id, step in steps.items():
        for name in names(step.get("outputs")):
            producers.setdefault(name, step_id)
    return producers


def check_context(steps: Mapping[str, Mapping[str, Any]], context: Mapping[str, Any]) -> Iterator[Finding]:
    producers: Dict[str, str] = {}
    for step_id, step in steps.items():
        for field_name in ("inputs", "outputs"):
            for suffix, name in indexed(step.get(field_name)):
                if name not in context:
                    hint = (
                        suggest(name, list(context)) or f"declare it under `context:` (`{name}: {{description: ...}}`)"
                    )
                    verb = "reads" if field_name == "inputs" else "writes"
                    yield Finding(
                        codes.UNDECLARED_CONTEXT,
                        f"step '{step_id}' {verb} context '{name}', which is not declared under `context`",
                        hint,
                        ("steps", step_id, field_name) + suffix,
                    )
        for suffix, name in indexed(step.get("outputs")):
            if name in producers and producers[name] != step_id:
                yield Finding(
                    codes.TWO_PRODUCERS,
                    f"context '{name}' is produced by both '{producers[name]}' and '{step_id}'",
                    "a context name has exactly one producer: rename one of the outputs",
                    ("steps", step_id, "outputs") + suffix,
                )
            producers.setdefault(name, step_id)
    for step_id, step in steps.items():
        for suffix, name in indexed(step.get("inputs")):
            if name in context and name not in producers:
                yield Finding(codes.NO_PRODUCER, f"step '{step_id}' reads context '{name}', but no step produces it",
                              f"add '{name}' to the `outputs` of the step that computes it",
                              ("steps", step_id, "inputs") + suffix)


def check_resources(steps: Mapping[str, Mapping[str, Any]], declared: Any) -> Iterator[Finding]:
    capacities = mapping(declared)
    for step_id, step in steps.items():
        requested = step.get("resources")
        pairs = [((name,), name, units) for name, units in requested.items()] if isinstance(requested, dict) else \
            [(suffix, name, 1) for suffix, name in indexed(requested)]
        for suffix, name, units in pairs:
            path = ("steps", step_id, "resources") + suffix
            if name not in capacities:
                hint = suggest(name, list(capacities)) or f"declare it at the top level: `resources: {{{name}: 1}}`"
                yield Finding(
                    codes.UNDECLARED_RESOURCE,
                    f"step '{step_id}' holds resource '{name}', which is not declared under `resources`",
                    hint,
                    path,
                )
            elif isinstance(units, int) and isinstance(capacities[name], int) and units > capacities[name]:
                yield Finding(
                    codes.OVER_CAPACITY,
                    f"step '{step_id}' asks for {units} units of '{name}', whose capacity is {capacities[name]}",
                    f"ask for at most {capacities[name]} or raise the capacity",
                    path,
                )


def dependency_map(steps: Mapping[str, Mapping[str, Any]]) -> Dict[str, List[str]]:
    """Step -> the steps it waits for (explicit `needs` and the producers of its `inputs`)."""
    producers = producers_of(steps)
    edges: Dict[str, List[str]] = {}
    for step_id, step in steps.items():
        wanted = [n for n in names(step.get("needs")) if n in steps and n != step_id]
        wanted += sorted(waited_for(step, producers) - set(wanted) - {step_id})
        edges[step_id] = [n for n in dict.fromkeys(wanted) if n in steps]
    return edges


def find_cycle(edges: Mapping[str, List[str]]) -> Optional[List[str]]:
    """One cycle as a closed walk [a, b, c, a] in dependency order, found iteratively (no recursion limit)."""
    state: Dict[str, int] = {}
    for root in edges:
        if state.get(root):
            continue
        trail: List[str] = []
        stack: List[Tuple[str, int]] = [(root, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                trail.append(node)
            if index < len(edges[node]):
                stack.append((node, index + 1))
                nxt = edges[node][index]
                if state.get(nxt) == 1:
                    return trail[trail.index(nxt):] + [nxt]
                if not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                trail.pop()
    return None


def check_cycles(steps: Mapping[str, Mapping[str, Any]]) -> Iterator[Finding]:
    cycle = find_cycle(dependency_map(steps))
    if cycle:
        walk = list(reversed(cycle))  # print in run order: a -> b means b runs after a
        yield Finding(codes.CYCLE, f"the steps form a cycle: {' -> '.join(walk)}",
                      "remove one of these dependencies (a `needs` entry or an input) to break the cycle",
                      ("steps", walk[0]), at_key=True)


def check_templates(data: Mapping[str, Any], steps: Mapping[str, Mapping[str, Any]]) -> Iterator[Finding]:
    arguments = list(mapping(data.get("arguments")))
    for step_id, step in steps.items():
        inputs = names(step.get("inputs")) + fan_out_input(step)
        loop = "for_each" in step
        for key in TEMPLATE_KEYS:
            value = step.get(key)
            if type(value) is str and "{" not in value:
                continue  # plain text: nothing to check, and most titles are
            for suffix, text in indexed(value):
                found = _templates_in(text, arguments, inputs, loop, key == "run" and not suffix)
                yield from _template_findings(found, ("steps", step_id, key) + suffix)
        compensate = mapping(step.get("compensate"))
        for key in ("prompt", "run"):
            for suffix, text in indexed(compensate.get(key)):
                found = _templates_in(text, arguments, inputs, loop, key == "run" and not suffix)
                yield from _template_findings(found, ("steps", step_id, "compensate", key) + suffix)
        if isinstance(step.get("when"), str):
            found = check_expression(step["when"], arguments, inputs, loop)
            yield from _template_findings(found, ("steps", step_id, "when"))


def fan_out_input(step: Mapping[str, Any]) -> List[str]:
    """`for_each: context.NAME` reads NAME as an input does."""
    listed = step.get("for_each")
    return [listed[8:]] if isinstance(listed, str) and listed.startswith("context.") else []


def _templates_in(text: str, arguments: Sequence[str], inputs: Sequence[str], loop: bool,
                  shell: bool) -> List[TemplateProblem]:
    """Plain text cannot be a bad template; skipping it avoids a Jinja parse per title and prompt.
    `shell`: the text is a string `run`, whose values are shell-quoted."""
    return check_template(text, arguments, inputs, loop, shell) if "{" in text else []


def _template_findings(problems: List[TemplateProblem], path: Tuple[Any, ...]) -> Iterator[Finding]:
    for problem in problems:
        yield Finding(problem.code, problem.message, problem.hint, path, near=problem.near)
