"""`wfc compile` as a sequence of stages: validate, analyze, render, emit.

This module only sequences; each stage lives in its own module. A workflow that fails validation
produces no outputs, so its previous outputs stay exactly as they were.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from wfc import emit
from wfc.analysis import analyze
from wfc.analysis.plan import Plan
from wfc.diagnostics import Diagnostic, codes
from wfc.emit import Change, Output, naming
from wfc.emit.naming import OutputDirs
from wfc.render.agent_files import render_agent_files
from wfc.render.command_doc import render_command_doc
from wfc.render.module import render_module
from wfc.render.plan_json import plan_to_json
from wfc.render.workflow_script import render_workflow_script, script_warnings
from wfc.validate import validate_file, workflow_files


@dataclass(frozen=True)
class Renderer:
    """One kind of generated file: how to name it, how to render it, which directory it goes to."""

    render: Callable[[Plan], str]
    file_name: Callable[[str], str]  # from the workflow's name (wfc.emit.naming)
    directory: str  # "out", "commands" or "workflows"
    warnings: Optional[Callable[[Plan], Tuple[Diagnostic, ...]]] = None  # what this output cannot carry

    def output(self, plan: Plan, options: "CompileOptions") -> Output:
        base = {"out": options.dirs.out, "commands": options.dirs.commands,
                "workflows": options.dirs.workflows}[self.directory]
        return Output.of_text(base / self.file_name(plan.workflow.name), self.render(plan))


RENDERERS: Tuple[Renderer, ...] = (
    Renderer(plan_to_json, naming.plan_file, "out"),
    Renderer(render_module, naming.module_file, "out"),
    Renderer(render_command_doc, naming.command_file, "commands"),
    Renderer(render_workflow_script, naming.workflow_script_file, "workflows", script_warnings),
)


@dataclass(frozen=True)
class CompileOptions:
    out_dir: Path = Path("generated")
    commands_dir: Optional[Path] = None  # default: CLAUDE/commands, else OUT/commands
    check: bool = False
    force: bool = False
    claude_dir: Optional[Path] = None  # commands, agents and Workflow scripts go here (`.claude`)

    @property
    def dirs(self) -> OutputDirs:
        return OutputDirs(self.out_dir, self.commands_dir, self.claude_dir)

    @property
    def directories(self) -> Tuple[Path, ...]:
        """Where outputs go: the directories pruning and cleaning look in."""
        return self.dirs.all


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
    findings = tuple(found for renderer in RENDERERS if renderer.warnings for found in renderer.warnings(plan))
    outputs = tuple(renderer.output(plan, options) for renderer in RENDERERS)
    outputs += tuple(Output.of_text(options.dirs.agents / name, text) for name, text in render_agent_files(plan))
    return WorkflowOutcome(result.file, plan, result.diagnostics + result.located(plan.warnings + findings), outputs)


def compile_paths(paths: Sequence[str], options: CompileOptions) -> CompileResult:
    outcomes = one_writer_per_file(tuple(compile_file(path, options) for path in workflow_files(paths)))
    outputs = [output for outcome in outcomes for output in outcome.outputs]
    if options.check:
        changes: List[Change] = [emit.plan_change(output, options.force) for output in outputs]
    else:
        emit.clear_temporaries(options.directories)
        changes = emit.apply(outputs, options.force)
    keep = {output.path.resolve() for output in outputs}
    compiled = {outcome.source for outcome in outcomes if not outcome.failed}  # a failed one keeps its files
    stale = emit.stale_outputs(options.directories, keep, compiled)
    changes.extend(emit.prune(stale, options.check))
    return CompileResult(outcomes, tuple(changes))


def one_writer_per_file(outcomes: Tuple[WorkflowOutcome, ...]) -> Tuple[WorkflowOutcome, ...]:
    """Two workflows that define the same agent would write the same `agents/NAME.md`: the first
    (in file order) keeps it; the other fails with WFC072 and writes nothing."""
    owner: Dict[Path, str] = {}
    checked = []
    for outcome in outcomes:
        clash = next(((output.path, owner[output.path]) for output in outcome.outputs if output.path in owner), None)
        if clash is None or outcome.plan is None:
            owner.update((output.path, outcome.source) for output in outcome.outputs)
            checked.append(outcome)
            continue
        name = clash[0].stem
        position = outcome.plan.workflow.position_of("agents", name)
        message = f"agent '{name}' is also defined by {clash[1]}: both would write {clash[0].as_posix()}"
        found = codes.AGENT_TWICE.at(message, outcome.source, position.line, position.column,
                                     "rename one of them, or define the agent once in .claude/agents/ and drop it "
                                     "from both workflows", ("agents", name))
        checked.append(WorkflowOutcome(outcome.source, None, outcome.diagnostics + (found,)))
    return tuple(checked)
