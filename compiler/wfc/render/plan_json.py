"""The plan as JSON (`generated/NAME.plan.json`) and back.

The file is what reviewers diff and what generated modules embed, so its key order is fixed by
hand (metadata first, then the graph, then the figures) rather than sorted, and every list comes
in a stable order the analysis already chose. `plan_from_dict` is the exact inverse of
`plan_to_dict`: the runtime rebuilds the Plan from the embedded dict without re-analysing or
re-reading YAML. Validated by `schema/plan.schema.json`.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping

from wfc.errors import Diagnostic
from wfc.model import Workflow, from_dict, to_dict
from wfc.naming import plan_file
from wfc.plan import Estimate, Plan, PlannedStep, ScheduledStep, Task
from wfc.render.header import header_text

FORMAT = 1
FIGURES = tuple(name for name in Estimate.__dataclass_fields__)
STEP_FIELDS = tuple(name for name in PlannedStep.__dataclass_fields__ if name != "id")


def plan_file_name(workflow: Workflow) -> str:
    return plan_file(workflow.name)


def plan_to_json(plan: Plan) -> str:
    return indented_json(plan_to_dict(plan), allow_nan=False) + "\n"


def indented_json(value: Any, allow_nan: bool = True) -> str:
    """Exactly `json.dumps(value, indent=2, ensure_ascii=False, allow_nan=allow_nan)`, faster
    (0.48 s instead of 0.72 s for a 10,000-step plan): with `indent` the standard library drops
    to its pure-Python generator encoder; here the layout is plain recursion into one list of
    parts and every string is escaped by the C escaper `json.dumps` itself uses."""
    parts: List[str] = []
    _write(value, 0, parts, allow_nan)
    return "".join(parts)


_INDENTS = ["\n" + "  " * depth for depth in range(64)]
_escape = json.encoder.encode_basestring  # C when available, as in `json.dumps(ensure_ascii=False)`
_WORDS = {None: "null", True: "true", False: "false"}


def _indent(depth: int) -> str:
    return _INDENTS[depth] if depth < len(_INDENTS) else "\n" + "  " * depth


def _write(value: Any, depth: int, parts: List[str], allow_nan: bool) -> None:
    kind = type(value)
    if kind is str:
        parts.append(_escape(value))
    elif kind is dict:
        _write_dict(value, depth, parts, allow_nan)
    elif kind is list or kind is tuple:
        _write_list(value, depth, parts, allow_nan)
    elif kind is float and value - value == 0.0:  # finite: NaN and infinities take the slow path
        parts.append(float.__repr__(value))
    elif value is None or value is True or value is False:
        parts.append(_WORDS[value])
    elif kind is int:
        parts.append(int.__repr__(value))
    elif isinstance(value, str):
        parts.append(_escape(value))
    elif isinstance(value, dict):
        _write_dict(value, depth, parts, allow_nan)
    elif isinstance(value, (list, tuple)):
        _write_list(value, depth, parts, allow_nan)
    else:  # a leaf prints the same with or without indent: the exact text, or the exact error
        parts.append(json.dumps(value, ensure_ascii=False, allow_nan=allow_nan))


def _write_dict(value: Dict[Any, Any], depth: int, parts: List[str], allow_nan: bool) -> None:
    if not value:
        parts.append("{}")
        return
    inner = _indent(depth + 1)
    opening = "{" + inner
    separator = "," + inner
    for key, item in value.items():
        parts.append(opening)
        opening = separator
        parts.append(_escape(key) if type(key) is str else _key(key, allow_nan))
        parts.append(": ")
        if type(item) is str:
            parts.append(_escape(item))
        else:
            _write(item, depth + 1, parts, allow_nan)
    parts.append(_indent(depth) + "}")


def _write_list(value: Any, depth: int, parts: List[str], allow_nan: bool) -> None:
    if not value:
        parts.append("[]")
        return
    inner = _indent(depth + 1)
    if all(type(item) is str for item in value):  # lists of names: order, levels, needs
        parts.append("[" + inner + ("," + inner).join(map(_escape, value)) + _indent(depth) + "]")
        return
    opening = "[" + inner
    separator = "," + inner
    for item in value:
        parts.append(opening)
        opening = separator
        _write(item, depth + 1, parts, allow_nan)
    parts.append(_indent(depth) + "]")


def _key(key: Any, allow_nan: bool) -> str:
    """A key that is not a str, as JSON writes it (a string; `json.dumps` raises for bad types)."""
    return json.dumps({key: 0}, ensure_ascii=False, allow_nan=allow_nan)[1:-4]


_last: List[Any] = [None, None]  # (plan, its dict): the JSON and the module renderers both ask


def plan_to_dict(plan: Plan) -> Dict[str, Any]:
    """The plan as JSON data. Callers must not mutate the result: the last one is reused, since
    one compile asks for it once per output kind and it costs a second at 10,000 steps."""
    if _last[0] is not plan:
        _last[0], _last[1] = plan, _plan_data(plan)
    return _last[1]


def _plan_data(plan: Plan) -> Dict[str, Any]:
    workflow = plan.workflow
    return {
        "_generated": header_text(workflow),
        "format": FORMAT,
        "name": workflow.name,
        "title": workflow.title,
        "source": workflow.source,
        "source_sha256": workflow.source_sha256,
        "workflow": to_dict(workflow),
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
    return {name: _plain(getattr(step, name)) for name in STEP_FIELDS}


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


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


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
