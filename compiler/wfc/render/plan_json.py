"""The plan as JSON (`generated/NAME.plan.json`) and back.

The file is what reviewers diff and what generated modules embed, so its key order is fixed by
hand (metadata first, then the graph, then the figures) rather than sorted, and every list comes
in a stable order the analysis already chose. `plan_from_dict` is the exact inverse of
`plan_to_dict`: the runtime rebuilds the Plan from the embedded text without re-analysing or
re-reading YAML. Validated by `schema/plan.schema.json`.
"""
from __future__ import annotations

import json
from operator import attrgetter
from typing import Any, Dict, List, Mapping, Tuple

from wfc.errors import Diagnostic
from wfc.model import Workflow, from_dict, to_dict
from wfc.naming import plan_file
from wfc.plan import Estimate, Plan, PlannedStep, ScheduledStep, Task
from wfc.render.header import header_text

FORMAT = 1
FIGURES = tuple(name for name in Estimate.__dataclass_fields__)
STEP_FIELDS = tuple(name for name in PlannedStep.__dataclass_fields__ if name != "id")
_step_values = attrgetter(*STEP_FIELDS)


def plan_file_name(workflow: Workflow) -> str:
    return plan_file(workflow.name)


def plan_to_json(plan: Plan) -> str:
    """The plan file's text. Remembered for the last plan: the module renderer embeds the same text."""
    if _last[0] is not plan:
        _last[0], _last[1] = plan, indented_json(_plan_data(plan)) + "\n"
    return _last[1]


_last: List[Any] = [None, ""]


def plan_to_dict(plan: Plan) -> Dict[str, Any]:
    """The plan as JSON data: exactly what the plan file holds."""
    return json.loads(plan_to_json(plan))


def indented_json(value: Any) -> str:
    """JSON with two-space indents and the user's text as written (no `\\u` escapes): what
    reviewers read in a diff. Plain dicts keep their order; model objects are written in their
    canonical form (`to_dict`)."""
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False, default=to_dict)


def _plan_data(plan: Plan) -> Dict[str, Any]:
    workflow = plan.workflow
    return {
        "_generated": header_text(workflow),
        "format": FORMAT,
        "name": workflow.name,
        "title": workflow.title,
        "source": workflow.source,
        "source_sha256": workflow.source_sha256,
        "workflow": workflow,
        "order": list(plan.order),
        "steps": {step.id: _step_to_dict(step) for step in plan.steps},
        "levels": [list(level) for level in plan.levels],
        "waves": [list(wave) for wave in plan.waves],
        "critical_path": {"steps": list(plan.critical_path), "duration": plan.estimate.critical_path},
        "cache_keys": {step_id: plan.cache_keys[step_id] for step_id in plan.order if step_id in plan.cache_keys},
        "tasks": [{"content": t.content, "activeForm": t.active_form, "status": t.status} for t in plan.tasks],
        "estimate": _estimate_to_dict(plan),
        "warnings": [_warning_to_dict(d) for d in plan.warnings],
    }


def _step_to_dict(step: PlannedStep) -> Dict[str, Any]:
    return dict(zip(STEP_FIELDS, _step_values(step)))


def _estimate_to_dict(plan: Plan) -> Dict[str, Any]:
    figures: Dict[str, Any] = {name: getattr(plan.estimate, name) for name in FIGURES}
    figures["schedule"] = [{"step": s.step, "start": s.start, "finish": s.finish} for s in plan.schedule]
    return figures


def _warning_to_dict(diagnostic: Diagnostic) -> Dict[str, Any]:
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "path": list(diagnostic.yaml_path),
    }


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """The Plan that `plan_to_dict` wrote, equal to the original."""
    workflow = from_dict(data["workflow"])
    schedule = tuple(ScheduledStep(s["step"], s["start"], s["finish"]) for s in data["estimate"]["schedule"])
    return Plan(
        workflow=workflow,
        order=tuple(data["order"]),
        steps=tuple(_step_from_dict(step_id, fields) for step_id, fields in data["steps"].items()),
        levels=tuple(tuple(level) for level in data["levels"]),
        waves=tuple(tuple(wave) for wave in data["waves"]),
        critical_path=tuple(data["critical_path"]["steps"]),
        schedule=schedule,
        tasks=_tasks_from_list(data["tasks"], schedule),
        estimate=Estimate(**{name: data["estimate"][name] for name in FIGURES}),
        warnings=tuple(_warning_from_dict(workflow, w) for w in data["warnings"]),
        cache_keys=dict(data["cache_keys"]),
    )


def _step_from_dict(step_id: str, fields: Mapping[str, Any]) -> PlannedStep:
    values = {name: tuple(value) if isinstance(value, list) else value for name, value in fields.items()}
    return PlannedStep(id=step_id, **values)


def _tasks_from_list(tasks: List[Mapping[str, Any]], schedule: tuple) -> tuple:
    """Tasks carry TodoWrite's fields only; they follow the schedule one to one, which names
    their steps."""
    if len(tasks) != len(schedule):
        raise ValueError(f"plan has {len(tasks)} tasks for {len(schedule)} scheduled steps; "
                         "expected one task per step, in schedule order")
    return tuple(Task(slot.step, task["content"], task["activeForm"], task["status"])
                 for slot, task in zip(schedule, tasks))


def _warning_from_dict(workflow: Workflow, data: Mapping[str, Any]) -> Diagnostic:
    return Diagnostic(data["code"], data["severity"], data["message"], workflow.source, data["line"],
                      data["column"], data["hint"], tuple(data["path"]))
