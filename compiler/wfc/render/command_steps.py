"""The command doc's steps as plain data for `command_steps.md.j2`: one view per step, in the order
the plan starts them, user text already made inert.

That order is the instruction the doc gives when more steps are ready than a cap or a resource
lets start: take them in list order, passing over one that does not fit. Because the plan's
schedule starts steps by that same rule (`analysis/schedule.py`) and every step started at an
instant comes before every step started later, following it reproduces the schedule exactly, so
the time the doc promises is the time its instructions take.
"""
from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional

from wfc.format.durations import format_duration
from wfc.format.permissions import bash_rules
from wfc.format.vocabulary import DEFAULT_AGENT
from wfc.model import FanOut, Step, Workflow
from wfc.model.fan_out import fan_out_sizes
from wfc.analysis.plan import Plan
from wfc.render.command_text import Rewrites, command_line, has_template_logic
from wfc.render.environment import code_fence, inline_code, markdown_piece, markdown_text


class StepView(NamedTuple):
    """What the template shows of one step, escaped for markdown and then made inert."""

    number: int
    id: str
    kind: str
    title: str
    active_form: str
    description: str
    agent: str  # from here on, markdown ready to print: code spans, lists of them, a fenced block
    model: str
    tools: str
    max_turns: Optional[int]
    text: str
    template_logic: bool
    call: str
    cwd: str
    env: str
    waits_for: str
    reads: str
    writes: str
    resources: str
    when: str
    continue_on_error: bool
    estimate: str
    start: str
    timeout: str
    retry: str
    unapproved: str  # command parts no rule pre-approves (their program is templated)
    fan_out: str  # for an instance: which fan-out it belongs to, and how many of it run at once


def producers(workflow: Workflow) -> Dict[str, str]:
    """Context name -> its producer's id; a fan-out's by the id it was written with."""
    return {name: step.written_id for step in workflow.steps for name in step.outputs}


def fan_out_producers(workflow: Workflow) -> Dict[str, str]:
    """Context name -> the fan-out whose instances write it (their results are read as one list)."""
    return {name: step.written_id for step in workflow.steps if step.instance is not None for name in step.outputs}


def readers(workflow: Workflow) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = {entry.name: [] for entry in workflow.context}
    for step in workflow.steps:
        for name in step.inputs:
            found.setdefault(name, []).append(step.id)
    return found


def step_views(plan: Plan, made: Rewrites) -> List[StepView]:
    """Every step, in the plan's start order (start time, then id)."""
    workflow = plan.workflow
    facts = _Facts(plan, made)
    tasks = {task.step: task for task in plan.tasks}
    views = []
    for number, slot in enumerate(plan.schedule, start=1):
        step = workflow.step(slot.step)
        task = tasks[step.id]
        views.append(step_view(step, number, facts, made.text(task.content, step, markdown_piece),
                               made.text(task.active_form, step, markdown_piece), facts.duration(slot.start)))
    return views


class _Facts:
    """What every step view asks of the whole plan, and the strings that repeat from step to step."""

    def __init__(self, plan: Plan, made: Rewrites) -> None:
        self.made = made
        self.made_by = producers(plan.workflow)
        self.collected = fan_out_producers(plan.workflow)
        self.sizes = fan_out_sizes(plan.workflow)
        self.planned = {step.id: step for step in plan.steps}
        self.durations: Dict[float, str] = {}

    def duration(self, seconds: float) -> str:
        if seconds not in self.durations:
            self.durations[seconds] = format_duration(seconds)
        return self.durations[seconds]

    def md(self, text: str) -> str:
        return self.made.inert(markdown_text(text))

    def code(self, text: str) -> str:
        return self.made.inert(inline_code(text))


def step_view(step: Step, number: int, facts: _Facts, title: str, active_form: str, start: str) -> StepView:
    made, code = facts.made, facts.code
    body = step.prompt if step.kind == "agent" else command_line(step.run) if step.kind == "shell" and step.run else ""
    text = made.text(body or "", step, shell=step.kind == "shell")
    unapproved = tuple(part for part, rule in bash_rules(step.run) if rule is None) \
        if step.kind == "shell" and step.run else ()
    planned = facts.planned[step.id]
    return StepView(
        number, step.id, step.kind, title, active_form, facts.md(step.description),
        code(step.agent or DEFAULT_AGENT), code(step.model or ""), ", ".join(map(code, step.tools)),
        step.max_turns, code_fence(text, "text" if step.kind == "agent" else "sh"), has_template_logic(text),
        code(step.call or ""), code(step.cwd or ""),
        ", ".join(code(f"{key}={value}") for key, value in step.env.items()),
        ", ".join(map(code, planned.dependencies)),
        ", ".join(code(name) + _source(facts, name) for name in step.inputs),
        ", ".join(map(code, step.outputs)),
        ", ".join(code(name) + (f" ({units} units)" if units != 1 else "") for name, units in step.resources.items()),
        code(step.when or ""), step.continue_on_error, facts.duration(planned.estimate), start,
        facts.duration(step.timeout) if step.timeout else "", retry_text(step),
        ", ".join(code(made.text(part, step)) for part in unapproved), _fan_out(step, facts))


def _source(facts: _Facts, name: str) -> str:
    if name in facts.collected:
        return f" (a list of the results of every instance of {facts.code(facts.collected[name])}, in item order)"
    return f" (from {facts.code(facts.made_by[name])})" if name in facts.made_by else ""


def _per_item(step: Step, fan_out: FanOut, facts: _Facts) -> str:
    at_once = f"at most {fan_out.max_parallel} at once" if fan_out.max_parallel is not None else "all at once"
    text = (f"Runs once per item of {facts.code(fan_out.source or '')}, a JSON list known only when it starts (the "
            f"plan assumes {fan_out.estimate_items}): start one instance per item, in one message, {at_once}, "
            "each with `item` read as its item and `index` as its position from 0; its readers get the list of "
            "their results, in item order")
    if fan_out.min_success is not None:
        text += f"; {fan_out.min_success} of them must succeed, the others may fail"
    return text


def _fan_out(step: Step, facts: _Facts) -> str:
    """`Instance 2 of 12 of `review`; at most 3 of them at once` for an instance; for a map node,
    the instruction to launch one per item found."""
    if step.fan_out is None:
        return ""
    if step.instance is None:
        return _per_item(step, step.fan_out, facts)
    text = f"Instance {step.instance.index + 1} of {facts.sizes[step.instance.of]} of {facts.code(step.instance.of)}"
    if step.fan_out.max_parallel is not None:
        text += f"; at most {step.fan_out.max_parallel} of them run at once"
    if step.fan_out.min_success is not None:
        text += f"; {step.fan_out.min_success} of them must succeed, the others may fail"
    return text


def retry_text(step: Step) -> str:
    retry = step.retry
    if retry.attempts <= 1:
        return ""
    waits = ", ".join(format_duration(retry.delay_before(attempt)) for attempt in range(2, retry.attempts + 1))
    return f"up to {retry.attempts} attempts, waiting {waits} before each retry"
