"""The generated Python module: the plan as a literal, and a call into `wfc.runtime`.

Like generated protobuf code, the module carries data and imports its runtime, so fixing the
runtime fixes every compiled workflow without recompiling. Every user string reaches the module
through `repr` (the `py` filter), so no title, prompt or command can change its structure.
"""
from __future__ import annotations

import json
from typing import Any

from wfc.model import Workflow
from wfc.naming import module_file
from wfc.plan import Plan
from wfc.render.environment import render
from wfc.render.header import header_text


def module_file_name(workflow: Workflow) -> str:
    return module_file(workflow.name)


_LEAVES = frozenset({str, int, float, bool, type(None)})


def canonical(data: Any) -> Any:
    """Keys sorted at every level, so the literal is byte-identical for equal plans: the JSON
    data `json.loads(json.dumps(data, sort_keys=True))` gives, built by one recursive copy (a
    third of the time of that round trip at 10,000 steps). Anything that is not plain JSON data
    (tuples, subclasses, keys that are not strings) still takes the round trip, so it comes
    out the same."""
    kind = type(data)
    if kind is dict and all(type(key) is str for key in data):
        return {key: value if type(value) in _LEAVES else canonical(value) for key, value in sorted(data.items())}
    if kind is list:
        return [item if type(item) in _LEAVES else canonical(item) for item in data]
    if kind in _LEAVES:
        return data
    return json.loads(json.dumps(data, sort_keys=True, ensure_ascii=False))


def render_module(plan: Plan) -> str:
    from wfc.render.plan_json import plan_to_dict

    workflow = plan.workflow
    usage = f"Run it: python {module_file_name(workflow)} --help"
    docstring = f"{workflow.title}\n\n{workflow.description}\n\n{usage}\n"
    return render("module.py.j2", header=header_text(workflow), docstring=docstring,
                  plan=canonical(plan_to_dict(plan)))
