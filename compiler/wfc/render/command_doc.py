"""The Claude Code slash command for a plan: `commands/NAME.md`.

Claude Code cannot run the plan's scheduler, so the doc turns the plan into instructions the model
follows: start each step with the Agent tool (or Bash) as soon as every step it waits for has
finished, agents running in the background and notifying when they end, so that the time the doc
promises (the plan's makespan) is the time its instructions take; hand each producer's result to
its readers; and undo completed work in reverse when something fails.

This module builds plain data (the "view") from the plan and `command.md.j2` lays it out; the
steps come from `command_steps`. User strings stay raw in the view until `command_text` makes them
inert (nothing Claude Code would substitute or run) and the template escapes each for its context
(`yaml`, `md`, `code`, `fence`).
"""
from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Sequence, Tuple

from wfc.format.durations import format_duration
from wfc.format.permissions import bash_rules
from wfc.format.vocabulary import DEFAULT_AGENT
from wfc.format.templating import arguments_read
from wfc.model import Command, Workflow
from wfc.analysis.plan import Plan
from wfc.render.command_steps import fan_out_producers, producers, readers, step_views
from wfc.render.command_text import Rewrites, command_line, has_template_logic, inert, placeholders, rewrites
from wfc.render.environment import code_fence, inline_code, markdown_piece, markdown_text, render
from wfc.emit.header import header_text

__all__ = ["allowed_tools", "command_view", "compensation_views", "inert", "placeholders", "render_command_doc"]

TEMPLATE = "command.md.j2"
AGENT_TOOL = "Agent"  # `Task` is kept as an alias


def render_command_doc(plan: Plan) -> str:
    """The whole file: YAML frontmatter, the generated-by comment, then the instructions."""
    return render(TEMPLATE, doc=command_view(plan))


# -- frontmatter and arguments -----------------------------------------------------------------


def allowed_tools(workflow: Workflow) -> Tuple[str, ...]:
    """What the command pre-approves (it restricts nothing): the Agent tool, the tools steps list
    (a bare `Bash` excepted: it would approve every command), and one Bash rule per part of each
    shell command and compensation. A part whose program is templated gets none: Bash asks."""
    tools = {AGENT_TOOL}
    tools.update(tool for step in workflow.steps for tool in step.tools if tool != "Bash")
    tools.update(rule for command in shell_commands(workflow) for _, rule in bash_rules(command) if rule is not None)
    return tuple(sorted(tools))


def shell_commands(workflow: Workflow) -> List[Command]:
    """Every shell command the doc shows: the steps' and the compensations'."""
    commands = [step.run for step in workflow.steps if step.kind == "shell" and step.run]
    return commands + [step.compensate.run for step in workflow.steps
                       if step.compensate and step.compensate.kind == "shell" and step.compensate.run]


def pastes_arguments(workflow: Workflow) -> bool:
    """Whether a shell command shows an argument's placeholder (between single quotes: see the rules)."""
    commands = shell_commands(workflow)
    return bool(arguments_read([part for command in commands for part in ([command] if isinstance(command, str)
                                                                          else command)]))


def argument_hint(workflow: Workflow) -> str:
    return " ".join(f"<{a.name}>" if a.required and a.default is None else f"[{a.name}]"
                    for a in workflow.arguments)


def frontmatter(workflow: Workflow) -> List[Tuple[str, Any]]:
    """(key, value) pairs in a fixed order; the template writes each value with the `yaml` filter.
    Claude Code substitutes and runs nothing in the frontmatter, so values stay as written."""
    pairs: List[Tuple[str, Any]] = [("description", workflow.description)]
    if workflow.arguments:
        pairs.append(("argument-hint", argument_hint(workflow)))
        pairs.append(("arguments", [argument.name for argument in workflow.arguments]))
    pairs.append(("allowed-tools", ", ".join(allowed_tools(workflow))))
    pairs.append(("disable-model-invocation", True))  # it launches many agents: only a user should start it
    if workflow.model:
        pairs.append(("model", workflow.model))
    return pairs


def argument_rows(workflow: Workflow, md: Callable[[str], str]) -> List[Dict[str, Any]]:
    return [{
        # an identifier: the model reads it as written, as it appears in `args.NAME`
        "name": argument.name, "placeholder": f"${argument.name}", "description": md(argument.description),
        "type": argument.type,
        "default": "" if argument.default is None else md(json.dumps(argument.default, ensure_ascii=False)),
        "required": argument.required and argument.default is None,
        "choices": md(", ".join(json.dumps(v, ensure_ascii=False) for v in argument.enum or ())),
    } for argument in workflow.arguments]


# -- context and failure -----------------------------------------------------------------------


def context_rows(plan: Plan, made: Rewrites) -> List[Dict[str, Any]]:
    """Entries some step reads: what to keep, and whose prompts it goes into."""
    workflow = plan.workflow
    made_by, read_by, collected = producers(workflow), readers(workflow), fan_out_producers(workflow)
    md, code = _escapes(made)
    return [{"name": code(entry.name), "producer": code(made_by.get(entry.name, "")) + (
                " (every instance: readers get the list of their results, in item order)"
                if entry.name in collected else ""),
             "readers": ", ".join(map(code, read_by[entry.name])), "description": md(entry.description)}
            for entry in workflow.context if read_by[entry.name]]


def _escapes(made: Rewrites) -> Tuple[Callable[[str], str], Callable[[str], str]]:
    """Markdown text and code spans, each escaped first and then made inert."""
    return (lambda text: made.inert(markdown_text(text))), (lambda text: made.inert(inline_code(text)))


def compensation_views(plan: Plan, made: Rewrites) -> List[Dict[str, Any]]:
    """Compensations in the order to run them if every step had completed as scheduled: the
    reverse of completion (latest finish first; ties, latest start first, then step id)."""
    workflow = plan.workflow
    undone = [slot for slot in plan.schedule if workflow.step(slot.step).compensate is not None]
    views = []
    for slot in sorted(undone, key=lambda slot: (slot.finish, slot.start, slot.step), reverse=True):
        step = workflow.step(slot.step)
        action = step.compensate
        assert action is not None  # `undone` holds only compensated steps
        body = action.prompt if action.kind == "agent" else command_line(action.run) \
            if action.kind == "shell" and action.run else ""
        text = made.text(body or "", step, shell=action.kind == "shell")
        unapproved = [made.text(part, step) for part, rule in bash_rules(action.run) if rule is None] \
            if action.kind == "shell" and action.run else []
        md, code = _escapes(made)
        views.append({"step": code(step.id), "kind": action.kind, "template_logic": has_template_logic(text),
                      "text": code_fence(text, "sh" if action.kind == "shell" else "text"),
                      "agent": code(action.agent or step.agent or DEFAULT_AGENT), "call": code(action.call or ""),
                      "cwd": code(action.cwd or ""), "unapproved": ", ".join(map(code, unapproved))})
    return views


def docs_view(workflow: Workflow, md: Callable[[str], str]) -> Dict[str, Any]:
    """The docs the model needs to run and report (usage examples are for people: `argument-hint` has them)."""
    docs = workflow.docs
    return {"purpose": md(docs.purpose), "success_criteria": [md(item) for item in docs.success_criteria],
            "outputs": [md(item) for item in docs.outputs]}


def limits(plan: Plan, code: Callable[[str], str]) -> Dict[str, Any]:
    workflow = plan.workflow
    return {"max_parallel": workflow.max_parallel,
            "resources": [(code(name), capacity) for name, capacity in sorted(workflow.resources.items())]}


def times(plan: Plan) -> Dict[str, Any]:
    estimate = plan.estimate
    return {"makespan": format_duration(estimate.makespan), "sequential": format_duration(estimate.sequential),
            "steps": len(plan.order)}


def kinds(workflow: Workflow) -> Sequence[str]:
    return sorted({step.kind for step in workflow.steps})


def command_view(plan: Plan) -> Dict[str, Any]:
    """Everything the template shows, computed once: the template only lays it out."""
    workflow = plan.workflow
    made = rewrites(workflow)
    md, code = _escapes(made)
    return {
        "header": header_text(workflow), "name": workflow.name, "source": code(workflow.source),
        "frontmatter": frontmatter(workflow), "title": made.text(workflow.title, None, markdown_piece),
        "description": md(workflow.description), "docs": docs_view(workflow, md),
        "arguments": argument_rows(workflow, md), "usage": code(f"/{workflow.name} {argument_hint(workflow)}".strip()),
        "times": times(plan), "limits": limits(plan, code), "kinds": kinds(workflow),
        "progress": workflow.progress, "steps": step_views(plan, made), "context": context_rows(plan, made),
        "compensations": compensation_views(plan, made), "on_failure": workflow.on_failure,
        "conditional": any(step.when for step in workflow.steps),
        "retries": any(step.retry.attempts > 1 for step in workflow.steps),
        "pastes_arguments": pastes_arguments(workflow),
    }
