"""The front half of the compiler: a file's bytes to a Workflow, or every diagnostic about it.

Stages run in order (load, schema, semantic checks, model) and each adds findings; the semantic
checks run even when the schema failed, because they are written to tolerate bad shapes, so the
user sees all problems in one run. Only a file with no error becomes a model.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import FrozenSet, Iterable, List, Optional, Tuple, Union

from wfc.diagnostics import Diagnostic, codes, sorted_diagnostics
from wfc.diagnostics.errors import fail
from wfc.diagnostics.wording import describe
from wfc.load.document import Document, Position, editor_lines
from wfc.model import Workflow
from wfc.validate.finding import Finding
from wfc.validate.sources import display_path, workflow_files

__all__ = ["ValidationResult", "display_path", "load_workflow", "validate_document", "validate_file", "workflow_files"]


@dataclass(frozen=True)
class ValidationResult:
    file: str
    workflow: Optional[Workflow]
    diagnostics: Tuple[Diagnostic, ...]
    text: str = field(default="", repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.workflow is not None

    def located(self, later: Iterable[Diagnostic]) -> Tuple[Diagnostic, ...]:
        """Findings of later stages (the analysis reads no files) with their source lines."""
        lines = editor_lines(self.text)
        return tuple(replace(d, source_line=lines[d.line - 1]) if not d.source_line and 0 < d.line <= len(lines) else d
                     for d in later)


def validate_document(document: Document, stem: str, project_agents: FrozenSet[str] = frozenset()) -> ValidationResult:
    """Every finding about `document`, and its model when none is an error. `project_agents`: the
    agents the project's `.claude/agents/` defines, which steps may name without declaring them."""
    # The stages are imported here, not at the top: jsonschema, Jinja and ruamel.yaml cost a
    # third of a second to import, which `wfc --help` and an up-to-date `compile --check` skip.
    from wfc.model.build import build_workflow
    from wfc.validate.agent_checks import agent_findings
    from wfc.validate.checks import all_findings
    from wfc.validate.schema import schema_findings

    if document.diagnostics:
        return ValidationResult(document.file, None, document.diagnostics)
    data = document.data
    if not isinstance(data, dict):
        return ValidationResult(document.file, None, (_not_a_mapping(document),))
    findings: List[Finding] = schema_findings(data)
    findings.extend(all_findings(data, stem))
    findings.extend(agent_findings(data, project_agents))
    diagnostics = sorted_diagnostics(to_diagnostic(document, finding) for finding in findings)
    if any(d.is_error for d in diagnostics):
        return ValidationResult(document.file, None, diagnostics)
    return ValidationResult(document.file, build_workflow(document, stem), diagnostics, document.text)


def validate_file(path: Union[str, Path]) -> ValidationResult:
    from wfc.load import load_bytes

    shown = display_path(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        diagnostic = codes.UNREADABLE_FILE.at(f"cannot read the file: {reason}", shown, 1, 1,
                                              "check the path and its permissions")
        return ValidationResult(shown, None, (diagnostic,))
    from wfc.validate.agent_checks import project_agents

    return validate_document(load_bytes(raw, shown), Path(path).stem, project_agents(Path(path)))


def load_workflow(path: Union[str, Path]) -> Workflow:
    """The model of one workflow file, or ValidationFailed carrying every diagnostic."""
    result = validate_file(path)
    if result.workflow is None:
        errors = sum(1 for d in result.diagnostics if d.is_error)
        fail(f"{result.file}: {errors} error{'s' if errors != 1 else ''}", result.diagnostics)
    return result.workflow


def to_diagnostic(document: Document, finding: Finding) -> Diagnostic:
    position = document.position_of(finding.path, key=finding.at_key)
    if finding.near:
        position = _inside_value(document, position, finding)
    return finding.code.at(finding.message, document.file, position.line, position.column, finding.hint,
                           finding.path, document.line_text(position.line))


def _inside_value(document: Document, start: Position, finding: Finding) -> Position:
    """The spot `finding.near` names inside the value that starts at `start` (a filter's name in a
    template), searched over as many lines as the value has; `start` itself when it is not there."""
    import re

    value = _value_at(document.data, finding.path)
    span = value.count("\n") + 2 if isinstance(value, str) else 1  # a block scalar starts a line early
    pattern = re.compile(finding.near)
    for number in range(start.line, start.line + span):
        text = document.line_text(number)
        match = pattern.search(text, start.column - 1 if number == start.line else 0)
        if match:
            return Position(number, match.start("at") + 1)
    return start


def _value_at(data: object, path: Tuple[object, ...]) -> object:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _not_a_mapping(document: Document) -> Diagnostic:
    found = "an empty file" if document.data is None else describe(document.data)
    return codes.NOT_A_MAPPING.at(f"a workflow must be a mapping of keys, found {found}", document.file, 1, 1,
                                  "start from: `version: 1`, `title: ...`, `description: ...`, `steps: ...`", (),
                                  document.line_text(1))
