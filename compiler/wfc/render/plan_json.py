"""The plan as a lock file (`generated/NAME.plan.json`): what a reviewer reads in a pull request.

A lock holds the workflow as its author wrote it (no defaults spelled out, no empty fields) and what
the compiler resolved from it: levels, the critical path, the figures, and per step its slot in the
makespan schedule, its slack and its static cache key. Nothing is written twice, and nothing that
only the runtime needs (dependencies, priorities, waves, tasks): the runtime rebuilds the plan from
the workflow in the lock (`wfc.runtime.plan_file`), with the same analysis that wrote it.

The layout is fixed by hand so that one change shows as few changed lines as it can: one line per
level, per figure and per step, and the workflow indented as JSON always is. Validated by
`schema/plan.schema.json`.
"""
from __future__ import annotations

import json
from dataclasses import fields
from typing import Any, Dict, Iterable, List, Tuple

from wfc.analysis.plan import Estimate, Plan
from wfc.emit.header import header_text
from wfc.model import Step

FORMAT = 2


def plan_to_json(plan: Plan) -> str:
    """The plan file's text."""
    workflow = plan.workflow
    sections = [
        ("_generated", _compact(header_text(workflow))),
        ("format", _compact(FORMAT)),
        ("workflow", _indented(workflow.definition)),
        ("levels", _block(_compact(list(level)) for level in plan.levels)),
        ("critical_path", _compact({"steps": list(plan.critical_path), "duration": plan.estimate.critical_path})),
        ("estimate", _block(_members(figures(plan.estimate)), braces="{}")),
        ("steps", _block(_members(_slots(plan)), braces="{}")),
    ]
    return "{\n" + ",\n".join(f"  {_compact(key)}: {value}" for key, value in sections) + "\n}\n"


def figures(estimate: Estimate) -> List[Tuple[str, Any]]:
    """The estimate's figures in declaration order: the order the format spec explains them."""
    return [(item.name, getattr(estimate, item.name)) for item in fields(estimate)]


def _slots(plan: Plan) -> List[Tuple[str, Any]]:
    """Each step in schedule order: when it starts and ends in the makespan schedule, how long it
    may slip without delaying the run, and its static cache key."""
    planned = {step.id: step for step in plan.steps}
    steps = plan.workflow.steps_by_id()
    return [(slot.step, {"start": slot.start, "finish": slot.finish, "slack": planned[slot.step].slack,
                         "cache_key": planned[slot.step].cache_key, **_map_node(steps[slot.step])})
            for slot in plan.schedule]


def _map_node(step: Step) -> Dict[str, Any]:
    """A fan-out over a list known only at run time: how many items its slot was planned with."""
    fan_out = step.fan_out
    return {"estimate_items": fan_out.estimate_items} if fan_out is not None and step.instance is None else {}


def _compact(value: Any) -> str:
    """One line: the user's text as written (no `\\u` escapes), no NaN (JSON has none)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _indented(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=2).replace("\n", "\n  ")


def _members(pairs: Iterable[Tuple[str, Any]]) -> Iterable[str]:
    return (f"{_compact(key)}: {_compact(value)}" for key, value in pairs)


def _block(lines: Iterable[str], braces: str = "[]") -> str:
    """A list or object with one member per line, indented under its key."""
    items = list(lines)
    if not items:
        return braces
    body = ",\n".join(f"    {line}" for line in items)
    return f"{braces[0]}\n{body}\n  {braces[1]}"
