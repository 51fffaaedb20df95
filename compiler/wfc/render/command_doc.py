"""The Claude Code slash command for a plan: `generated/commands/NAME.md`.

Claude Code cannot run the plan's scheduler, so the doc turns the plan into instructions the model
follows: create the task list, then launch each wave's agents together in one message, hand each
producer's result to its readers, and undo completed work in reverse when something fails.

This module builds plain data (the "view") from the plan and `command.md.j2` lays it out; the
task list, waves and steps come from `command_steps`. User strings stay raw in the view and the
template escapes each for its context (`yaml`, `md`, `code`, `fence`), with two rewrites done in
`command_text` because they are about Claude Code, not markdown: template lookups become Claude
Code placeholders or `[[NAME]]` markers, and text Claude Code would substitute or run is made inert.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Tuple

from wfc.format import figures
from wfc.format.durations import format_duration
from wfc.model import Workflow
from wfc.analysis.plan import Estimate, Plan
from wfc.render.command_steps import View, first_launch, producers, readers, task_calls, task_rows, wave_views
from wfc.render.command_text import (
    command_line, command_text, has_claude_placeholder, has_template_logic, inert, placeholders,
)
from wfc.render.environment import render
from wfc.render.graph_export import render_mermaid
from wfc.emit.header import header_text

# Callers and tests reach these through this module, where they were first defined.
__all__ = [
    "View", "allowed_tools", "command_text", "command_view", "compensation_views",
    "first_launch", "inert", "pattern", "placeholders", "render_command_doc",
]

TEMPLATE = "command.md.j2"
PROGRESS_TOOLS = {"todowrite": ("TodoWrite",), "tasks": ("TaskCreate", "TaskUpdate")}


def render_command_doc(plan: Plan) -> str:
    """The whole file: YAML frontmatter, the generated-by comment, then the instructions."""
    return render(TEMPLATE, doc=command_view(plan))


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


def speedup_over(base: float, value: float) -> str:
    return figures.ratio(base / value) if value > 0 else "n/a"


def performance_rows(plan: Plan) -> List[Dict[str, Any]]:
    estimate = plan.estimate
    rows = [
        ("Before: one step at a time, every reader re-deriving what it needs", estimate.sequential_unshared, False),
        ("One step at a time, context shared", estimate.sequential, False),
        ("Level by level, each level waiting for its slowest step", estimate.level_barrier, False),
        ("After: this plan, each step starting as soon as what it needs is done", estimate.makespan, True),
        ("Re-run with nothing changed (cached context)", estimate.warm_makespan, False),
        ("Worst case: every attempt times out and every retry waits its backoff", estimate.worst_case, False),
        (f"Lower bound: no schedule can be shorter; {_against_bound(estimate)}", estimate.lower_bound, False),
    ]
    return [{"label": label, "time": format_duration(seconds), "speedup": speedup_over(estimate.sequential, seconds),
             "highlight": highlight} for label, seconds, highlight in rows]


def _against_bound(estimate: Estimate) -> str:
    if estimate.optimal:
        return "this plan meets it, so it is optimal"
    gap = f"{format_duration(estimate.gap)} ({figures.percent(estimate.gap_pct)})"
    return f"this plan is at most {gap} longer than the best"


def times(plan: Plan) -> Dict[str, Any]:
    estimate = plan.estimate
    return {
        "makespan": format_duration(estimate.makespan),
        "sequential": format_duration(estimate.sequential),
        "sequential_unshared": format_duration(estimate.sequential_unshared),
        "critical_path": format_duration(estimate.critical_path),
        "speedup": figures.ratio(estimate.speedup),
        "time_saved_pct": figures.percent(estimate.time_saved_pct),
        "redundant_pct": figures.percent(estimate.redundant_work_eliminated_pct),
        "max_width": estimate.max_width,
        "max_parallel": plan.workflow.max_parallel,
    }


# -- frontmatter and arguments -----------------------------------------------------------------


def allowed_tools(workflow: Workflow) -> Tuple[str, ...]:
    """Task (to launch subagents), the progress tools, every tool a step declares, and Bash for
    the programs the shell steps and compensations run, so the session does not stop to ask."""
    tools = {"Task", *PROGRESS_TOOLS[workflow.progress]}
    tools.update(tool for step in workflow.steps for tool in step.tools)
    commands = [step.run for step in workflow.steps if step.kind == "shell"]
    commands += [step.compensate.run for step in workflow.steps if step.compensate and step.compensate.kind == "shell"]
    tools.update(bash_permission(command) for command in commands if command)
    return tuple(sorted(tools))


_PLAIN_WORD = re.compile(r"[A-Za-z0-9._/+=@%-]+")


def bash_permission(command: Any) -> str:
    """The narrowest Bash rule Claude Code accepts for a command: the exact command when it is
    all plain words (`Bash(make test)`), else its leading plain words as a prefix (`Bash(git
    diff:*)` for `git diff {{ args.base }}`), else plain `Bash` when even the program is templated."""
    words = list(command) if isinstance(command, (list, tuple)) else str(command).split()
    plain = 0
    while plain < len(words) and _PLAIN_WORD.fullmatch(words[plain]):
        plain += 1
    if plain and plain == len(words):
        return f"Bash({' '.join(words)})"
    return f"Bash({' '.join(words[:plain])}:*)" if plain else "Bash"


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
