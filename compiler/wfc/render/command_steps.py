"""The command doc's task list, waves and steps as plain data for `command_waves.md.j2` and
`command_progress.md.j2`: the part of the view that grows with the number of steps, so it is
built for speed (named and plain tuples, strings that repeat made once, step views made as the
template reaches them) while giving the templates exactly what they lay out.
"""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from wfc.format.durations import format_duration
from wfc.model import Step, Workflow
from wfc.analysis.plan import Plan
from wfc.render.command_text import command_line, command_text, has_claude_placeholder, has_template_logic, inert
import json


class View(Dict[str, Any]):
    """A view dict whose keys also read as attributes. Jinja looks `step.title` up with getattr
    before `[]`, and on a plain dict that getattr fails with an exception each time: 300,000
    times for 10,000 steps. Keys that name dict methods still resolve to the method first, as
    they do on a plain dict."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


TaskRow = Tuple[int, str, str, str, str]
"""One row of the task list, as a plain tuple in the order of `TASK_FIELDS`. Plain, not a named
tuple: the rows live through the whole render, and the garbage collector stops tracing a plain
tuple of strings after its first pass, where it would trace 10,000 named tuples on every one.
The row's number is in it so the template's loop needs no `loop.index`, which costs Jinja a
loop object per row."""
TASK_FIELDS = ("number", "step", "content", "active_form", "status")


def task_rows(plan: Plan) -> List[TaskRow]:
    workflow = plan.workflow
    rows = []
    for number, task in enumerate(plan.tasks, start=1):
        step = workflow.step(task.step)
        rows.append((number, task.step, command_text(task.content, workflow, step),
                     command_text(task.active_form, workflow, step), task.status))
    return rows


def task_calls(plan: Plan, rows: Optional[List[TaskRow]] = None) -> str:
    """The exact payload for the progress tool: one TodoWrite list, or one TaskCreate per task."""
    rows = task_rows(plan) if rows is None else rows
    if plan.workflow.progress == "todowrite":
        todos = [{"content": content, "activeForm": active_form, "status": status}
                 for _, _, content, active_form, status in rows]
        return json.dumps({"todos": todos}, indent=2, ensure_ascii=False)
    return json.dumps([{"subject": content, "activeForm": active_form, "description": "wfc step " + step}
                       for _, step, content, active_form, _ in rows], indent=2, ensure_ascii=False)


def producers(workflow: Workflow) -> Dict[str, str]:
    return {name: step.id for step in workflow.steps for name in step.outputs}


def readers(workflow: Workflow) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = {entry.name: [] for entry in workflow.context}
    for step in workflow.steps:
        for name in step.inputs:
            found.setdefault(name, []).append(step.id)
    return found


def resource_notes(plan: Plan, wave: Sequence[str]) -> List[Dict[str, Any]]:
    """Resources this wave asks for beyond their capacity: those steps must take turns."""
    workflow = plan.workflow
    notes = []
    for name, capacity in sorted(workflow.resources.items()):
        holders = [step for step in wave if name in workflow.step(step).resources]
        wanted = sum(workflow.step(step).resources[name] for step in holders)
        if wanted > capacity:
            notes.append({"resource": inert(name), "capacity": capacity, "steps": holders})
    return notes


def first_launch(plan: Plan, wave: Sequence[str]) -> List[str]:
    """The steps of a wave that can start together, taken in priority order while every resource
    they hold has room (the schedule's own policy); the rest wait for a holder to finish."""
    workflow = plan.workflow
    used: Dict[str, int] = {}
    chosen = []
    for step_id in wave:
        wanted = workflow.step(step_id).resources
        if not wanted or all(used.get(name, 0) + units <= workflow.resources.get(name, units)
                             for name, units in wanted.items()):
            chosen.append(step_id)
            for name, units in wanted.items():
                used[name] = used.get(name, 0) + units
    return chosen


def wave_views(plan: Plan, rows: Optional[List[TaskRow]] = None) -> List[Dict[str, Any]]:
    workflow = plan.workflow
    tasks = {row[1]: row for row in (task_rows(plan) if rows is None else rows)}  # by step id (TASK_FIELDS)
    made = _StepFacts(plan, tasks)
    views = []
    for index, wave in enumerate(plan.waves):
        first = first_launch(plan, wave)
        starting = set(first)
        agents = {step for step in wave if workflow.step(step).kind == "agent"}
        views.append(View({
            "number": index + 1,
            "level": plan.planned(wave[0]).level + 1,
            "steps": WaveSteps(made, wave),
            "titles": [tasks[step][2] for step in wave],  # each task's content
            "agents": [step for step in wave if step in agents],
            "others": [step for step in wave if step not in agents],
            "resource_notes": resource_notes(plan, wave),
            "first": first,
            "queued": [step for step in wave if step not in starting],
        }))
    return views


class WaveSteps:
    """A wave's step views, each made when the template reaches it and dropped after: the same
    views as a list would hold, without 10,000 of them alive at once for the garbage collector to
    trace on every full collection during the render."""

    __slots__ = ("_made", "_wave")

    def __init__(self, made: "_StepFacts", wave: Sequence[str]) -> None:
        self._made, self._wave = made, wave

    def __len__(self) -> int:
        return len(self._wave)

    def __iter__(self) -> Iterator["StepView"]:
        made = self._made
        return (step_view(made.plan, made.step(step), made.tasks[step], made) for step in self._wave)


class StepView(NamedTuple):
    """What the template shows of one step, user text already made inert. A named tuple: built
    once per step and read field by field, it costs the least to make and to look up, and a tuple
    of strings adds nothing for the garbage collector to trace."""

    id: str
    kind: str
    title: str
    active_form: str
    description: str
    agent: str
    model: str
    tools: Tuple[str, ...]
    max_turns: Optional[int]
    text: str
    template_logic: bool
    rewritten: bool
    call: str
    cwd: str
    env: Tuple[Tuple[str, str], ...]
    reads: Tuple[Tuple[str, str], ...]  # (context name, producing step or "")
    writes: Tuple[str, ...]
    waits_for: Tuple[str, ...]
    resources: Tuple[Tuple[str, int], ...]
    when: str
    continue_on_error: bool
    estimate: str
    critical: bool
    timeout: str
    retry: str


class _StepFacts:
    """What every step view asks of the whole plan, and the strings that repeat from step to step
    (agent names, durations), worked out once per document instead of once per step."""

    def __init__(self, plan: Plan, tasks: Mapping[str, TaskRow]) -> None:
        self.plan, self.step, self.tasks = plan, plan.workflow.step, tasks
        self.made_by = producers(plan.workflow)
        self.planned = {planned.id: planned for planned in plan.steps}
        self.durations: Dict[float, str] = {}
        self.inert: Dict[str, str] = {}

    def duration(self, seconds: float) -> str:
        text = self.durations.get(seconds)
        if text is None:
            text = self.durations[seconds] = format_duration(seconds)
        return text

    def inert_name(self, name: str) -> str:
        text = self.inert.get(name)
        if text is None:
            text = self.inert[name] = inert(name)
        return text


def step_view(plan: Plan, step: Step, task: TaskRow, made: _StepFacts) -> StepView:
    _, _, title, active_form, _ = task
    planned = made.planned[step.id]
    body = step.prompt if step.kind == "agent" else command_line(step.run) if step.kind == "shell" else ""
    text = command_text(body or "", plan.workflow, step)
    name = made.inert_name
    return StepView._make((
        step.id, step.kind, title, active_form, inert(step.description) if step.description else "",
        name(step.agent or "general-purpose"), name(step.model) if step.model else "",
        tuple(map(name, step.tools)) if step.tools else (), step.max_turns, text, has_template_logic(text),
        has_claude_placeholder(body), name(step.call) if step.call else "", inert(step.cwd) if step.cwd else "",
        tuple((name(key), inert(value)) for key, value in sorted(step.env.items())) if step.env else (),
        tuple((name(entry), made.made_by.get(entry, "")) for entry in step.inputs) if step.inputs else (),
        tuple(map(name, step.outputs)) if step.outputs else (), planned.dependencies,
        tuple((name(key), units) for key, units in sorted(step.resources.items())) if step.resources else (),
        inert(step.when) if step.when else "", step.continue_on_error, made.duration(planned.estimate),
        planned.critical, made.duration(step.timeout) if step.timeout else "",
        retry_text(step) if step.retry.attempts > 1 else "",
    ))


def retry_text(step: Step) -> str:
    retry = step.retry
    if retry.attempts <= 1:
        return ""
    waits = ", ".join(format_duration(retry.delay_before(attempt)) for attempt in range(2, retry.attempts + 1))
    return f"up to {retry.attempts} attempts in all, waiting {waits} before each retry"

