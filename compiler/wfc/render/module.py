"""The generated Python module: the plan's JSON text, and a call into `wfc.runtime`.

Like generated protobuf code, the module carries data and imports its runtime, so fixing the
runtime fixes every compiled workflow without recompiling. User strings reach the module only
inside that JSON text (escaped by the JSON writer, quotes rewritten by `embeddable`) or through
`repr` (the `py` filter), so no title, prompt or command can change its structure. The text is
the plan file's own, parsed at import by the C JSON reader: a 10,000-step plan as a Python dict
literal took 1.4 s to render and longer to import.
"""
from __future__ import annotations

from wfc.model import Workflow
from wfc.emit.naming import module_file
from wfc.analysis.plan import Plan
from wfc.render.environment import render
from wfc.emit.header import header_text


def module_file_name(workflow: Workflow) -> str:
    return module_file(workflow.name)


def render_module(plan: Plan) -> str:
    from wfc.render.plan_json import plan_to_json

    workflow = plan.workflow
    usage = f"Run it: python {module_file_name(workflow)} --help"
    docstring = f"{workflow.title}\n\n{workflow.description}\n\n{usage}\n"
    return render("module.py.j2", header=header_text(workflow), docstring=docstring,
                  plan_json=embeddable(plan_to_json(plan)))


def embeddable(plan_json: str) -> str:
    """The plan's JSON text, safe inside a raw string in triple single quotes: a quote can only
    be inside a JSON string, where the escape `\\u0027` means the same; the characters a raw
    string cannot hold (control characters) JSON has already escaped; and the text ends in a
    newline, never in the backslash that would swallow the closing quotes."""
    return plan_json.replace("'", "\\u0027")
