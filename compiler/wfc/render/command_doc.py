"""The Claude Code slash command for a plan: `generated/commands/NAME.md`.

Claude Code cannot run the plan's scheduler, so the doc turns the plan into instructions the model
follows: create the task list, then launch each wave's agents together in one message, hand each
producer's result to its readers, and undo completed work in reverse when something fails.

This module builds plain data (the "view") from the plan and `command.md.j2` lays it out. User
strings stay raw in the view and the template escapes each for its context (`yaml`, `md`, `code`,
`fence`), with two rewrites done here because they are about Claude Code, not markdown:

- templates: `{{ args.NAME }}` becomes the argument placeholder Claude Code substitutes
  (`$ARGUMENTS` for a single argument, `$1`, `$2`... in argument order for several) and
  `{{ context.NAME }}` a `[[NAME]]` marker the model replaces with the producer's result;
- inert text: Claude Code substitutes `$ARGUMENTS` and `$1` anywhere in the file and runs
  ``!`cmd` `` when it loads the command, so the workflow's own text must not contain them.
  `$1` is written `${1}` (the same to a shell) and `!` before a backtick gets a zero-width space.
"""
from __future__ import annotations

import json
import re
from json.encoder import encode_basestring as _json_string
from typing import Any, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from wfc.durations import format_duration
from wfc.model import Command, Step, Workflow
from wfc.naming import command_file
from wfc.plan import Plan
from wfc.render.environment import render
from wfc.render.graph_export import render_mermaid
from wfc.render.header import header_text

TEMPLATE = "command.md.j2"
PROGRESS_TOOLS = {"todowrite": ("TodoWrite",), "tasks": ("TaskCreate", "TaskUpdate")}
_CLAUDE_PLACEHOLDER = re.compile(r"\$(ARGUMENTS|\d+)")
_BANG_BACKTICK = re.compile(r"!(?=`)")
_LOOKUP = r"\{\{-?\s*(args|context|step)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(['\"])(.*?)\3\s*\])\s*-?\}\}"
_TEMPLATE_LOOKUP = re.compile(_LOOKUP)
_TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#")


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


def command_file_name(workflow: Workflow) -> str:
    return command_file(workflow.name)


def render_command_doc(plan: Plan) -> str:
    """The whole file: YAML frontmatter, the generated-by comment, then the instructions."""
    return render(TEMPLATE, doc=command_view(plan))


# -- text rewrites -----------------------------------------------------------------------------


def inert(text: str) -> str:
    """`text` with nothing Claude Code would substitute or execute when it loads the command."""
    text = str(text)
    if "$" not in text and "!" not in text:  # most text: skip both scans, called once per field
        return text
    text = _CLAUDE_PLACEHOLDER.sub(lambda match: "${" + match.group(1) + "}", text)
    return _BANG_BACKTICK.sub("!\u200b", text)


def placeholders(workflow: Workflow) -> Dict[str, str]:
    """Argument name -> what Claude Code replaces with the value the user typed."""
    return dict(_lookups(workflow).arguments)


class _Lookups(NamedTuple):
    workflow: Optional[Workflow]
    arguments: Dict[str, str]  # `placeholders`, shared: callers here only read it
    plain: Dict[str, str]  # `args.NAME` / `context.NAME` -> its rewrite, for `{{ args.NAME }}` as usually written


def _lookups(workflow: Workflow) -> _Lookups:
    """Remembered for the last workflow asked about: it is asked once per template of every step."""
    if _last_lookups[0].workflow is not workflow:
        arguments = _placeholders(workflow)
        plain = {f"args.{name}": mark for name, mark in arguments.items() if _IDENTIFIER.fullmatch(name)}
        plain.update((f"context.{entry.name}", f"[[{entry.name}]]") for entry in workflow.context
                     if _IDENTIFIER.fullmatch(entry.name))  # other names never match `_TEMPLATE_LOOKUP`
        _last_lookups[0] = _Lookups(workflow, arguments, plain)
    return _last_lookups[0]


_last_lookups: List[_Lookups] = [_Lookups(None, {}, {})]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _placeholders(workflow: Workflow) -> Dict[str, str]:
    names = [argument.name for argument in workflow.arguments]
    if len(names) == 1:
        return {names[0]: "$ARGUMENTS"}
    return {name: f"${index}" for index, name in enumerate(names, start=1)}


def command_text(text: str, workflow: Workflow, step: Optional[Step] = None) -> str:
    """A workflow template as the model should read it: inert, with argument lookups turned into
    Claude Code placeholders and context lookups into `[[NAME]]` markers. Anything else
    (conditions, filters) is left as written, and `has_template_logic` tells the doc to say so."""
    text = inert(text)
    if "{" not in text:  # no lookup to rewrite
        return text
    lookups = _lookups(workflow)
    done = _rewrite_plain(text, lookups.plain)
    return _rewrite_lookups(text, lookups.arguments, step) if done is None else done


def _rewrite_plain(text: str, plain: Mapping[str, str]) -> Optional[str]:
    """`text` with its `{{ args.NAME }}` and `{{ context.NAME }}` rewritten by plain string work, or
    None when the text holds any other brace: then only `_rewrite_lookups` gives the right answer.
    When every brace sits in such a lookup, the regex would have matched exactly those lookups."""
    head, *pieces = text.split("{{ ")
    done = [head]
    for piece in pieces:
        lookup, closed, tail = piece.partition(" }}")
        rewrite = plain.get(lookup) if closed else None
        if rewrite is None:
            return None
        done += (rewrite, tail)
    joined = "".join(done)
    return None if "{" in joined else joined


def _rewrite_lookups(text: str, arguments: Mapping[str, str], step: Optional[Step]) -> str:
    values = {"id": step.id, "title": step.title, "attempt": "1"} if step else {}

    def replace(match: "re.Match[str]") -> str:
        namespace, name = match.group(1), match.group(2) or match.group(4)
        if namespace == "args" and name in arguments:
            return arguments[name]
        if namespace == "context":
            return f"[[{name}]]"
        if namespace == "step" and name in values:
            return inert(values[name])
        return match.group(0)

    return _TEMPLATE_LOOKUP.sub(replace, text)


def has_claude_placeholder(text: Optional[str]) -> bool:
    """Whether `inert` rewrote part of this user text (the doc then says how to read it back).
    The `in` test first: most text has no `$`, and it costs a fifth of the regex search."""
    return bool(text) and "$" in str(text) and _CLAUDE_PLACEHOLDER.search(str(text)) is not None


def has_template_logic(text: str) -> bool:
    return "{" in text and _TEMPLATE_SYNTAX.search(text) is not None  # the `in` test: most text has no brace


def command_line(command: Command) -> str:
    """A list of arguments shown as one shell line, each argument quoted when it needs it."""
    if isinstance(command, str):
        return command
    import shlex

    return " ".join(shlex.quote(part) for part in command)


# -- figures -----------------------------------------------------------------------------------


def pattern(plan: Plan) -> str:
    """The DAG's shape in words, from level widths: what a reader needs to picture the run."""
    widths = [len(level) for level in plan.levels]
    steps = len(plan.order)
    shape = " → ".join(str(width) for width in widths)
    if steps == 1:
        return "a single step"
    if len(widths) == 1:
        return f"fan-out: {steps} independent steps, all at once"
    if max(widths) == 1:
        return f"pipeline: {steps} steps, each waiting for the one before"
    if widths[0] == 1 and widths[-1] == 1 and len(widths) == 3:
        return f"fan-out/fan-in: one step, then {widths[1]} in parallel, then one that merges them"
    return f"layered DAG: {len(widths)} levels of widths {shape}"


def ratio(base: float, value: float) -> str:
    return f"{base / value:.2f}x" if value > 0 else "n/a"


def performance_rows(plan: Plan) -> List[Dict[str, Any]]:
    figures = plan.estimate
    rows = [
        ("Before: one step at a time, every reader re-deriving what it needs", figures.sequential_unshared, False),
        ("One step at a time, context shared", figures.sequential, False),
        ("Level by level, each level waiting for its slowest step", figures.level_barrier, False),
        ("After: this plan, each step starting as soon as what it needs is done", figures.makespan, True),
        ("Re-run with nothing changed (cached context)", figures.warm_makespan, False),
        ("Worst case: every attempt times out and every retry waits its backoff", figures.worst_case, False),
        ("Lower bound (critical path, capacity and resources)", figures.lower_bound, False),
    ]
    return [{"label": label, "time": format_duration(seconds), "speedup": ratio(figures.sequential, seconds),
             "highlight": highlight} for label, seconds, highlight in rows]


def times(plan: Plan) -> Dict[str, Any]:
    figures = plan.estimate
    return {
        "makespan": format_duration(figures.makespan),
        "sequential": format_duration(figures.sequential),
        "sequential_unshared": format_duration(figures.sequential_unshared),
        "critical_path": format_duration(figures.critical_path),
        "speedup": f"{figures.speedup:g}x",
        "time_saved_pct": f"{figures.time_saved_pct:g} %",
        "redundant_pct": f"{figures.redundant_work_eliminated_pct:g} %",
        "max_width": figures.max_width,
        "max_parallel": plan.workflow.max_parallel,
    }


# -- frontmatter and arguments -----------------------------------------------------------------


def allowed_tools(workflow: Workflow) -> Tuple[str, ...]:
    """Task (to launch subagents), the progress tools, and every tool a step declares."""
    tools = {"Task", *PROGRESS_TOOLS[workflow.progress]}
    tools.update(tool for step in workflow.steps for tool in step.tools)
    return tuple(sorted(tools))


def argument_hint(workflow: Workflow) -> str:
    return " ".join(f"<{a.name}>" if a.required and a.default is None else f"[{a.name}]"
                    for a in workflow.arguments)


def frontmatter(workflow: Workflow) -> List[Tuple[str, str]]:
    """(key, value) pairs in a fixed order; the template writes each value with the `yaml` filter."""
    pairs = [("description", inert(workflow.description))]
    if workflow.arguments:
        pairs.append(("argument-hint", inert(argument_hint(workflow))))
    pairs.append(("allowed-tools", inert(", ".join(allowed_tools(workflow)))))
    if workflow.model:
        pairs.append(("model", inert(workflow.model)))
    return pairs


def argument_rows(workflow: Workflow) -> List[Dict[str, Any]]:
    marks = placeholders(workflow)
    return [{
        "name": inert(argument.name),
        "placeholder": marks[argument.name],
        "position": "everything after the command" if len(marks) == 1 else f"word {index}",
        "description": inert(argument.description),
        "type": argument.type,
        "default": "" if argument.default is None else inert(json.dumps(argument.default, ensure_ascii=False)),
        "required": argument.required and argument.default is None,
        "choices": inert(", ".join(json.dumps(v, ensure_ascii=False) for v in argument.enum or ())),
    } for index, argument in enumerate(workflow.arguments, start=1)]


# -- tasks, waves and steps --------------------------------------------------------------------


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
    """The exact payload for the progress tool: one TodoWrite list, or one TaskCreate per task.
    The same text as `json.dumps(..., indent=2, ensure_ascii=False)`, written row by row because
    the payload has one fixed shape and the indenting encoder runs Python code per value."""
    rows = task_rows(plan) if rows is None else rows
    quote = _json_string
    if plan.workflow.progress == "todowrite":
        if not rows:
            return '{\n  "todos": []\n}'
        todos = [f'    {{\n      "content": {quote(content)},\n      "activeForm": {quote(active_form)},\n'
                 f'      "status": {quote(status)}\n    }}' for _, _, content, active_form, status in rows]
        return '{\n  "todos": [\n' + ",\n".join(todos) + "\n  ]\n}"
    if not rows:
        return "[]"
    calls = [f'  {{\n    "subject": {quote(content)},\n    "activeForm": {quote(active_form)},\n'
             f'    "description": {quote("wfc step " + step)}\n  }}' for _, step, content, active_form, _ in rows]
    return "[\n" + ",\n".join(calls) + "\n]"


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
        views.append(View({
            "number": index + 1,
            "level": plan.planned(wave[0]).level + 1,
            "steps": WaveSteps(made, wave),
            "titles": [tasks[step][2] for step in wave],  # each task's content
            "agents": [step for step in wave if workflow.step(step).kind == "agent"],
            "others": [step for step in wave if workflow.step(step).kind != "agent"],
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


# -- context and failure -----------------------------------------------------------------------


def context_rows(plan: Plan) -> List[Dict[str, Any]]:
    """What to keep and for how long: from the producer's finish to the last reader's start in the
    makespan schedule, never past the entry's ttl."""
    workflow = plan.workflow
    made_by, read_by = producers(workflow), readers(workflow)
    rows = []
    for entry in workflow.context:
        producer = made_by.get(entry.name, "")
        last = max((plan.scheduled(step).start for step in read_by[entry.name] if plan.scheduled(step)), default=None)
        rows.append({
            "name": inert(entry.name), "description": inert(entry.description), "producer": producer,
            "readers": read_by[entry.name], "ttl": format_duration(entry.ttl),
            "until": format_duration(last) if last is not None else "",
        })
    return rows


def compensation_views(plan: Plan) -> List[Dict[str, Any]]:
    """Compensations in the order to run them if every step had completed as scheduled: the
    reverse of completion (latest finish first; ties, latest start first, then step id)."""
    workflow = plan.workflow
    undone = [slot for slot in plan.schedule if workflow.step(slot.step).compensate is not None]
    views = []
    for slot in sorted(undone, key=lambda slot: (slot.finish, slot.start, slot.step), reverse=True):
        step = workflow.step(slot.step)
        action = step.compensate
        assert action is not None  # `undone` holds only compensated steps
        body = action.prompt if action.kind == "agent" else command_line(action.run) if action.kind == "shell" else ""
        text = command_text(body or "", workflow, step)
        views.append({"step": step.id, "title": command_text(step.title, workflow, step), "kind": action.kind,
                      "text": text, "template_logic": has_template_logic(text),
                      "rewritten": has_claude_placeholder(body),
                      "agent": inert(action.agent or "general-purpose"), "call": inert(action.call or ""),
                      "cwd": inert(action.cwd or "")})
    return views


def docs_view(workflow: Workflow) -> Dict[str, Any]:
    docs = workflow.docs
    return {
        "purpose": inert(docs.purpose),
        "usage": [inert(item) for item in docs.usage],
        "success_criteria": [inert(item) for item in docs.success_criteria],
        "outputs": [inert(item) for item in docs.outputs],
    }


def command_view(plan: Plan) -> Dict[str, Any]:
    """Everything the template shows, computed once: the template only lays it out."""
    workflow = plan.workflow
    tasks = task_rows(plan)
    return {
        "header": header_text(workflow), "name": workflow.name, "source": workflow.source,
        "frontmatter": frontmatter(workflow), "title": command_text(workflow.title, workflow),
        "description": inert(workflow.description), "docs": docs_view(workflow),
        "arguments": argument_rows(workflow), "argument_hint": inert(argument_hint(workflow)),
        "times": times(plan), "pattern": pattern(plan), "mermaid": render_mermaid(plan).rstrip("\n"),
        "critical_path": list(plan.critical_path), "progress": workflow.progress,
        "tasks": tasks, "task_calls": task_calls(plan, tasks), "waves": wave_views(plan, tasks),
        "context": context_rows(plan), "compensations": compensation_views(plan),
        "on_failure": workflow.on_failure, "performance": performance_rows(plan),
        "resources": [(inert(name), capacity) for name, capacity in sorted(workflow.resources.items())],
    }
