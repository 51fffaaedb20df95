"""The generated Python module: a short stub that runs the plan file next to it.

Like generated protobuf code, the module imports its runtime, so fixing the runtime fixes every
compiled workflow without recompiling; the plan file it names holds the workflow. User strings
reach the module only through `repr` (the `py` filter), so no title or description can change its
structure.
"""
from __future__ import annotations

from wfc.analysis.plan import Plan
from wfc.emit.header import header_text
from wfc.emit.naming import module_file, plan_file
from wfc.render.environment import render


def render_module(plan: Plan) -> str:
    workflow = plan.workflow
    usage = f"Run it: python {module_file(workflow.name)} --help"
    docstring = f"{workflow.title}\n\n{workflow.description}\n\n{usage}\n"
    return render("module.py.j2", header=header_text(workflow), docstring=docstring,
                  plan_file=plan_file(workflow.name))
