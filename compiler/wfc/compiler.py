"""`wfc compile` as a sequence of stages: validate, analyze, render, emit.

This module only sequences; each stage lives in its own module. A workflow that fails validation
produces no outputs, so its previous outputs stay exactly as they were.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from wfc import emit
from wfc.analysis import analyze
from wfc.analysis.plan import Plan
from wfc.diagnostics import Diagnostic
from wfc.emit import Change, Output, naming
from wfc.render.command_doc import render_command_doc
from wfc.render.module import render_module
from wfc.render.plan_json import plan_to_json
from wfc.validate import validate_file, workflow_files


@dataclass(frozen=True)
class Renderer:
    """One kind of generated file: how to name it, how to render it, which directory it goes to."""

    render: Callable[[Plan], str]
    file_name: Callable[[str], str]  # from the workflow's name (wfc.emit.naming)
    directory: str  # "out" or "commands"

    def output(self, plan: Plan, options: "CompileOptions") -> Output:
        base = options.out_dir if self.directory == "out" else options.commands_path
        return Output.of_text(base / self.file_name(plan.workflow.name), self.render(plan))


RENDERERS: Tuple[Renderer, ...] = (
    Renderer(plan_to_json, naming.plan_file, "out"),
    Renderer(render_module, naming.module_file, "out"),
    Renderer(render_command_doc, naming.command_file, "commands"),
)


@dataclass(frozen=True)
class CompileOptions:
    out_dir: Path = Path("generated")
    commands_dir: Optional[Path] = None  # default: OUT/commands
    check: bool = False
    force: bool = False

    @property
    def commands_path(self) -> Path:
        return self.commands_dir if self.commands_dir is not None else self.out_dir / "commands"


@dataclass(frozen=True)
class WorkflowOutcome:
    source: str
    plan: Optional[Plan]
    diagnostics: Tuple[Diagnostic, ...]
    outputs: Tuple[Output, ...] = ()

    @property
    def failed(self) -> bool:
        return self.plan is None


@dataclass(frozen=True)
class CompileResult:
    outcomes: Tuple[WorkflowOutcome, ...]
    changes: Tuple[Change, ...] = field(default_factory=tuple)

    @property
    def diagnostics(self) -> Tuple[Diagnostic, ...]:
        return tuple(d for outcome in self.outcomes for d in outcome.diagnostics)

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


def compile_file(path: Path, options: CompileOptions) -> WorkflowOutcome:
    result = validate_file(path)
    if result.workflow is None:
        return WorkflowOutcome(result.file, None, result.diagnostics)
    plan = analyze(result.workflow)
    outputs = tuple(renderer.output(plan, options) for renderer in RENDERERS)
    return WorkflowOutcome(result.file, plan, result.diagnostics + result.located(plan.warnings), outputs)


def compile_paths(paths: Sequence[str], options: CompileOptions) -> CompileResult:
    outcomes = tuple(compile_file(path, options) for path in workflow_files(paths))
    outputs = [output for outcome in outcomes for output in outcome.outputs]
    if options.check:
        changes: List[Change] = [emit.plan_change(output, options.force) for output in outputs]
    else:
        emit.clear_temporaries((options.out_dir, options.commands_path))
        changes = emit.apply(outputs, options.force)
    keep = {output.path.resolve() for output in outputs}
    stale = emit.stale_outputs((options.out_dir, options.commands_path), keep)
    changes.extend(emit.prune(stale, options.check))
    return CompileResult(outcomes, tuple(changes))
