"""The import checked the way `wfc validate` checks a workflow, so what `wfc import` writes is
known to validate, and its remaining warnings (an estimate the text never gave) are shown with
their positions in the written file."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from wfc.analysis.plan import Plan
from wfc.diagnostics import Diagnostic
from wfc.diagnostics.codes import UNKNOWN_AGENT
from wfc.diagnostics.errors import fail


@dataclass(frozen=True)
class Checked:
    diagnostics: Tuple[Diagnostic, ...]  # every finding about the written workflow
    plan: Optional[Plan]


def check(text: str, file: str, stem: str) -> Checked:
    """Validate and analyse the workflow text; an error here is a bug of the importer, reported as
    one (with the diagnostics) rather than written to disk."""
    from wfc.analysis import analyze
    from wfc.load import load_text
    from wfc.validate import validate_document

    result = validate_document(load_text(text, file), stem)
    if result.workflow is None:
        fail(f"{file}: wfc import produced a workflow that does not validate; this is a bug in wfc, please "
             "report it with the command file", result.diagnostics)
    plan = analyze(result.workflow)
    # an agent Claude Code would not find is reported once, by the import itself (WFC606, at the line
    # of the command that names it), not again at each step that runs it
    found = tuple(d for d in result.diagnostics if d.code != UNKNOWN_AGENT.code)
    return Checked(found + result.located(plan.warnings), plan)
