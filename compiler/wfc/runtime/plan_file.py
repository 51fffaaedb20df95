"""Reading a plan file back into a Plan: what a generated module runs.

The plan file locks the workflow as written; the runtime validates it again and analyses it with
the same code that wrote the file, so it never needs the YAML file and never trusts figures it can
compute. A plan file that cannot be read, is not a wfc plan, or holds a workflow that no longer
validates (edited by hand, or written by a wfc whose format differs) is a clear error naming the
file, never a traceback.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from wfc.analysis import analyze
from wfc.analysis.plan import Plan
from wfc.diagnostics.errors import UsageError, ValidationFailed
from wfc.emit.header import parse_header
from wfc.load.document import Document

FORMAT = 2
RECOMPILE = "recompile it with `wfc compile`"


def read_plan(path: Path) -> Plan:
    """The Plan of the plan file at `path`."""
    shown = path.as_posix()
    try:
        data = json.loads(path.read_bytes())
    except OSError as error:
        raise UsageError(f"cannot read the plan {shown}: {error.strerror or error}") from None
    except ValueError as error:
        raise UsageError(f"the plan {shown} is not valid JSON ({error}); {RECOMPILE}") from None
    return plan_of(data, shown)


def plan_of(data: Any, shown: str) -> Plan:
    """The Plan of a plan file's parsed JSON (`shown` names it in errors)."""
    from wfc.validate import validate_document

    header = parse_header(data.get("_generated", "")) if isinstance(data, dict) else None
    if header is None or not isinstance(data.get("workflow"), Mapping):
        raise UsageError(f"{shown} is not a wfc plan file; {RECOMPILE}")
    if data.get("format") != FORMAT:
        raise UsageError(f"{shown} has plan format {data.get('format')!r}, this wfc reads format {FORMAT}; {RECOMPILE}")
    source, sha256 = header
    result = validate_document(Document(source, "", sha256, data["workflow"]), Path(source).stem)
    if result.workflow is None:
        raise ValidationFailed(f"the workflow locked in {shown} is not valid; {RECOMPILE}", result.diagnostics)
    return analyze(result.workflow)
