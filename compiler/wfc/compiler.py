"""`wfc compile` as a sequence of stages: validate, analyze, render, emit.

This module only sequences; each stage lives in its own module. A workflow that fails validation
produces no outputs, so its previous outputs stay exactly as they were.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from wfc import emit
from wfc.analysis import analyze
from wfc.analysis.plan import Plan
from wfc.diagnostics import Diagnostic, codes
from wfc.emit import Change, Output, naming, writing
from wfc.emit.naming import OutputDirs
from wfc.model import AgentDefinition
from wfc.render.agent_files import render_agent_files
from wfc.render.command_doc import render_command_doc
from wfc.render.module import render_module
from wfc.render.plan_json import plan_to_json
from wfc.render.workflow_script import render_workflow_script, script_warnings
from wfc.validate import validate_file, workflow_files
from wfc.validate.sources import find_root


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
    strict: bool = False  # a warning fails the compile too, and a failed compile writes nothing
    root: Path = Path(".")  # the project: generated files name their sources relative to it

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
    withheld: bool = False  # `--strict` failed: nothing was written or pruned

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
    plan = replace(plan, workflow=replace(plan.workflow, source=recorded_source(result.file, options.root)))
    outputs = tuple(renderer.output(plan, options) for renderer in RENDERERS)
    outputs += tuple(Output.of_text(options.dirs.agents / name, text) for name, text in render_agent_files(plan))
    return WorkflowOutcome(result.file, plan, result.diagnostics + result.located(plan.warnings + findings), outputs)


def recorded_source(shown: str, root: Path) -> str:
    """The source path as generated files record it: relative to the project `root`."""
    return Path(os.path.relpath(Path(shown).resolve(), root.resolve())).as_posix()


def project_root(paths: Sequence[str]) -> Path:
    """The project the sources belong to, so that one compile typed from anywhere records the same
    paths: the working directory when it is a project (commands run at the root they find), else
    the nearest directory holding `workflows/` above the first source named."""
    here = Path.cwd()
    if find_root(here) == here or not paths:
        return here
    return find_root(Path(paths[0]).resolve()) or here


def compile_paths(paths: Sequence[str], options: CompileOptions,
                  on_wait: Callable[[Path], None] = lambda directory: None) -> CompileResult:
    """Compile, then write (or with `check`, compare); `on_wait` hears of another compile holding
    an output directory, which this one then waits for."""
    options = replace(options, root=project_root(paths))
    outcomes = one_writer_per_file(tuple(compile_file(path, options) for path in workflow_files(paths)))
    outputs = [output for outcome in outcomes for output in outcome.outputs]
    if options.check:
        changes: List[Change] = [emit.plan_change(output, options.force) for output in outputs]
        return CompileResult(outcomes, tuple(changes + _pruned(options, outcomes, outputs)))
    if options.strict and any(outcome.failed or outcome.diagnostics for outcome in outcomes):
        return CompileResult(outcomes, (), withheld=True)
    # nothing to write: lock only what exists, rather than leave empty output directories behind
    held = options.directories if outputs else tuple(d for d in options.directories if d.is_dir())
    with writing.directories_locked(held, on_wait):
        emit.clear_temporaries(options.directories)
        changes = emit.apply(outputs, options.force)
        return CompileResult(outcomes, tuple(changes + _pruned(options, outcomes, outputs)))


def _pruned(options: CompileOptions, outcomes: Sequence[WorkflowOutcome], outputs: Sequence[Output]) -> List[Change]:
    keep = {output.path.resolve() for output in outputs}
    compiled = {outcome.plan.workflow.source for outcome in outcomes if outcome.plan}  # a failed one keeps its files
    return emit.prune(emit.stale_outputs(options.directories, keep, options.root, compiled), options.check)


def one_writer_per_file(outcomes: Tuple[WorkflowOutcome, ...]) -> Tuple[WorkflowOutcome, ...]:
    """One agent name is one agent in the project: workflows may each carry the same definition (so
    each stays usable alone), which the first (in file order) writes; a different definition under a
    name taken fails its workflow with WFC072, which then writes nothing."""
    owners: Dict[Path, Tuple[str, Optional[AgentDefinition]]] = {}
    checked = []
    for outcome in outcomes:
        clash = _first_clash(outcome, owners)
        if clash is not None and outcome.plan is not None:
            checked.append(WorkflowOutcome(outcome.source, None, outcome.diagnostics + (clash,)))
            continue
        kept = tuple(output for output in outcome.outputs if output.path not in owners)
        owners.update((output.path, (outcome.source, _agent_written(outcome, output))) for output in kept)
        checked.append(WorkflowOutcome(outcome.source, outcome.plan, outcome.diagnostics, kept))
    return tuple(checked)


def _agent_written(outcome: WorkflowOutcome, output: Output) -> Optional[AgentDefinition]:
    """The definition an `agents/NAME.md` output carries; None for every other output."""
    if outcome.plan is None or output.path.suffix != ".md":
        return None
    return next((agent for agent in outcome.plan.workflow.agents
                 if naming.agent_file(agent.name) == output.path.name and output.path.parent.name == "agents"), None)


def _first_clash(outcome: WorkflowOutcome,
                 owners: Dict[Path, Tuple[str, Optional[AgentDefinition]]]) -> Optional[Diagnostic]:
    for output in outcome.outputs:
        if output.path not in owners:
            continue
        owner, theirs = owners[output.path]
        ours = _agent_written(outcome, output)
        if ours is not None and ours == theirs:
            continue
        return _agent_twice(outcome, output.path, owner, _differences(ours, theirs))
    return None


def _differences(ours: Optional[AgentDefinition], theirs: Optional[AgentDefinition]) -> str:
    """Which of Claude Code's fields the two definitions disagree on, in their fixed order."""
    mine = ours.claude_fields() if ours else {}
    other = theirs.claude_fields() if theirs else {}
    return ", ".join(key for key in dict.fromkeys([*mine, *other]) if mine.get(key) != other.get(key))


def _agent_twice(outcome: WorkflowOutcome, path: Path, owner: str, differences: str) -> Diagnostic:
    assert outcome.plan is not None
    name = path.stem
    position = outcome.plan.workflow.position_of("agents", name)
    message = (f"agent '{name}' is also defined by {owner}, differently ({differences}): both would write "
               f"{path.as_posix()}")
    return codes.AGENT_TWICE.at(message, outcome.source, position.line, position.column,
                                f"make the two definitions of '{name}' identical (one name is one agent in the "
                                "project), rename one, or define it once in .claude/agents/", ("agents", name))
