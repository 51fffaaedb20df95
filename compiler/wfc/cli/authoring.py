"""The authoring commands: `wfc validate`, `compile`, `plan`, `graph` and `schema`.

Each is thin: it reads the command line, calls the stage that does the work and prints what it
returns. The YAML, schema and Jinja machinery is imported inside the commands that need it, so
`wfc compile --check` on an up-to-date tree pays for none of it.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Tuple

import click

from wfc.format.figures import percent, ratio
from wfc.diagnostics import Diagnostic, sorted_diagnostics
from wfc.diagnostics.errors import EXIT_INVALID, fail
from wfc.diagnostics.output import render, summary, use_colour
from wfc.emit.writing import write_file
from wfc.format.durations import format_duration
from wfc.cli.project import ProjectPath
from wfc.validate.sources import display_path, workflow_files

if TYPE_CHECKING:
    from wfc.analysis.plan import Estimate, Plan
    from wfc.emit.naming import OutputDirs
    from wfc.compiler import CompileResult
    from wfc.validate import ValidationResult


# -- validate ----------------------------------------------------------------------------------

def plan_warnings(result: ValidationResult) -> Tuple[Diagnostic, ...]:
    """Warnings that need the analysis (unread outputs, short TTLs, defaulted estimates) or an
    output (templates the Workflow script cannot carry)."""
    if result.workflow is None:
        return ()
    from wfc.analysis import analyze
    from wfc.render.workflow_script import script_warnings

    plan = analyze(result.workflow)
    return result.located(plan.warnings + script_warnings(plan))


@click.command()
@click.argument("paths", nargs=-1, type=ProjectPath())
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="text for people, json for tools, github for Actions annotations.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def validate(paths: Tuple[str, ...], output_format: str, strict: bool) -> None:
    """Check workflow files (default: workflows/) and report every problem with its position.

    Exit 0 when valid, 1 when any workflow has an error (or a warning, with --strict), 2 on usage
    errors."""
    from wfc.validate import validate_file

    files = workflow_files(paths or ("workflows",))
    diagnostics: List[Diagnostic] = []
    for path in files:
        result = validate_file(path)
        diagnostics.extend(result.diagnostics)
        diagnostics.extend(plan_warnings(result))
    ordered = sorted_diagnostics(diagnostics)
    errors = sum(1 for d in ordered if d.is_error)
    warnings = len(ordered) - errors
    if ordered or output_format == "json":
        click.echo(render(ordered, output_format, use_colour(sys.stdout)))
    if output_format == "text":
        click.echo(summary(errors, warnings, len(files)), err=True)
    if errors or (strict and warnings):
        raise click.exceptions.Exit(EXIT_INVALID)


# -- compile -----------------------------------------------------------------------------------

def report_changes(result: CompileResult, check: bool) -> None:
    for change in result.changes:
        if change.action == "unchanged":
            continue
        if check:
            verb = "would prune" if change.action == "prune" else "out of date:"
            click.echo(f"{verb} {change.path.as_posix()}")
            if change.diff:
                click.echo(change.diff)
        else:
            verb = "pruned" if change.action == "prune" else "wrote"
            click.echo(f"{verb} {change.path.as_posix()}")


def closing_line(result: CompileResult, check: bool) -> str:
    compiled = sum(1 for outcome in result.outcomes if not outcome.failed)
    failed = len(result.outcomes) - compiled
    invalid = f", {failed} invalid" if failed else ""
    workflows = f"{compiled} workflow{'s' if compiled != 1 else ''}"
    if result.withheld:
        return f"--strict: nothing written ({workflows} compiled{invalid}; fix every error and warning above)"
    if check:
        stale = result.count("write") + result.count("prune")
        state = "up to date" if not stale else f"{stale} file{'s' if stale != 1 else ''} out of date"
        return f"checked {workflows}: {state}{invalid}"
    return (f"compiled {workflows}: {result.count('write')} written, "
            f"{result.count('unchanged')} unchanged, {result.count('prune')} pruned{invalid}")


@click.command("compile")
@click.argument("paths", nargs=-1, type=ProjectPath())
@click.option("--out", "out_dir", type=ProjectPath(file_okay=False), default="generated", show_default=True,
              help="Directory for plans and modules.")
@click.option("--commands-dir", type=ProjectPath(file_okay=False), default=None,
              help="Directory for the command docs (default: CLAUDE_DIR/commands, else OUT/commands).")
@click.option("--claude-dir", type=ProjectPath(file_okay=False), default=None,
              help="Write the command docs, agent definitions and Workflow scripts into this Claude Code "
                   "directory (commands/, agents/, workflows/), e.g. .claude: Claude Code started in the "
                   "project then loads them.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 with a diff if anything is out of date.")
@click.option("--force", is_flag=True, help="Rewrite every output even if unchanged.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def compile_(paths: Tuple[str, ...], out_dir: str, commands_dir: Optional[str], claude_dir: Optional[str],
             check: bool, force: bool, strict: bool) -> None:
    """Compile workflows (default: workflows/) into execution plans, Python modules and command docs.

    Only files whose bytes change are written, each atomically; a workflow with errors keeps its
    previous outputs; outputs whose source is gone are pruned."""
    from wfc.emit.naming import OutputDirs

    sources = workflow_files(paths or ("workflows",))
    dirs = OutputDirs(Path(out_dir), Path(commands_dir) if commands_dir else None,
                      Path(claude_dir) if claude_dir else None)
    if check and not force and up_to_date(sources, dirs):
        click.echo(f"checked {len(sources)} workflow{'s' if len(sources) != 1 else ''}: up to date", err=True)
        return
    from wfc.compiler import CompileOptions, compile_paths  # only now: YAML, schema and Jinja machinery
    from wfc.diagnostics.output import render, summary, use_colour

    options = CompileOptions(dirs.out, dirs.commands_dir, check, force, dirs.claude, strict)
    result = compile_paths([str(source) for source in sources], options,
                           lambda directory: click.echo(f"waiting for another wfc compile into "
                                                        f"{display_path(directory)} ...", err=True))
    diagnostics = result.diagnostics
    if diagnostics:
        click.echo(render(diagnostics, "text", use_colour(sys.stderr)), err=True)
        errors = sum(1 for d in diagnostics if d.is_error)
        click.echo(summary(errors, len(diagnostics) - errors, len({d.file for d in diagnostics})), err=True)
    report_changes(result, check)
    click.echo(closing_line(result, check), err=True)
    errors = any(d.is_error for d in diagnostics)
    warnings = any(not d.is_error for d in diagnostics)
    stale = check and (result.count("write") or result.count("prune"))
    if errors or stale or (strict and warnings):
        raise click.exceptions.Exit(EXIT_INVALID)
    from wfc.emit.freshness import record

    record(dirs, [output for outcome in result.outcomes for output in outcome.outputs])


def up_to_date(sources: "list[Path]", dirs: "OutputDirs") -> bool:
    from wfc.emit.freshness import all_current

    return all_current(sources, dirs)


# -- plan --------------------------------------------------------------------------------------

PLAN_FORMATS = ("text", "json")


@click.command(name="plan")
@click.argument("workflow", type=ProjectPath(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(PLAN_FORMATS), default="text", show_default=True,
              help="text for people, json for the plan exactly as `wfc compile` writes it.")
def plan(workflow: str, output_format: str) -> None:
    """Show WORKFLOW's levels, critical path and estimates (warnings go to standard error)."""
    from wfc.analysis import analyze
    from wfc.diagnostics.output import render, use_colour
    from wfc.render.plan_json import plan_to_json
    from wfc.validate import load_workflow

    result = analyze(load_workflow(workflow))
    if result.warnings:
        click.echo(render(result.warnings, "text", use_colour(sys.stderr)), err=True)
    click.echo(plan_to_json(result) if output_format == "json" else plan_text(result), nl=False)


def plan_text(result: Plan) -> str:
    """The terminal summary: header, levels (split into waves when max_parallel cuts them),
    critical path, then the estimate table."""
    workflow = result.workflow
    slots = "unbounded" if workflow.max_parallel is None else str(workflow.max_parallel)
    lines = [
        f"{workflow.name}: {workflow.title}",
        f"{workflow.source}: {_count(len(result.steps), 'step')}, {_count(len(result.levels), 'level')}, "
        f"{_count(len(result.waves), 'wave')}, max_parallel {slots}",
        "",
        "Levels",
        *_level_lines(result),
        "",
        f"Critical path ({format_duration(result.estimate.critical_path)}): {' -> '.join(result.critical_path)}",
        "",
        *_estimate_lines(result.estimate),
    ]
    return "\n".join(lines) + "\n"


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _level_lines(result: Plan) -> List[str]:
    """One line per level; ` | ` separates the waves a level is cut into."""
    width = len(str(len(result.levels) - 1))
    lines = []
    for index, level in enumerate(result.levels):
        members = set(level)
        waves = [wave for wave in result.waves if wave[0] in members]
        lines.append(f"  {index:>{width}}  " + " | ".join(", ".join(wave) for wave in waves))
    return lines


def _estimate_lines(figures: Estimate) -> List[str]:
    rows: List[Tuple[str, str]] = [
        ("sequential (one agent, shared context)", format_duration(figures.sequential)),
        ("sequential, nothing shared", format_duration(figures.sequential_unshared)),
        ("level by level", format_duration(figures.level_barrier)),
        ("makespan (dependency-driven)", format_duration(figures.makespan)),
        ("lower bound", format_duration(figures.lower_bound)),
        ("makespan over the bound", "optimal" if figures.optimal else
         f"{format_duration(figures.gap)} ({percent(figures.gap_pct)})"),
        ("critical path", format_duration(figures.critical_path)),
        ("warm re-run", format_duration(figures.warm_makespan)),
        ("worst case (every retry times out)", format_duration(figures.worst_case)),
        ("speedup", ratio(figures.speedup)),
        ("time saved", percent(figures.time_saved_pct)),
        ("redundant work eliminated", percent(figures.redundant_work_eliminated_pct)),
        ("widest level", str(figures.max_width)),
    ]
    if figures.claude_code_makespan is not None:  # only where the cap binds: say what it costs
        rows.insert(4, ("makespan in Claude Code (16 agents at once)", format_duration(figures.claude_code_makespan)))
    label_width = max(len(label) for label, _ in rows)
    value_width = max(len(value) for _, value in rows)
    return ["Estimate"] + [f"  {label:<{label_width}}  {value:>{value_width}}" for label, value in rows]


# -- graph -------------------------------------------------------------------------------------

GRAPH_FORMATS = ("mermaid", "dot")


@click.command(name="graph")
@click.argument("workflow", type=ProjectPath(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(GRAPH_FORMATS), default="mermaid", show_default=True,
              help="mermaid for markdown (GitHub renders it), dot for Graphviz.")
@click.option("-o", "--output", type=ProjectPath(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of standard output.")
def graph(workflow: str, output_format: str, output: Optional[Path]) -> None:
    """Export WORKFLOW's DAG (edges a longer chain implies left out), the critical path highlighted."""
    from wfc.analysis import analyze
    from wfc.render.graph_export import render_dot, render_mermaid
    from wfc.validate import load_workflow

    plan = analyze(load_workflow(workflow))
    text = render_mermaid(plan) if output_format == "mermaid" else render_dot(plan)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text(output, text)


def write_text(path: Path, text: str) -> None:
    """Atomically (temporary file, then rename), so an interrupted export never leaves half a graph
    where a build or a docs page expects a whole one."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        fail(f"cannot write {path.as_posix()}: the directory {folder.as_posix()} does not exist",
             usage=True)
    write_file(path, text)


# -- schema ------------------------------------------------------------------------------------

@click.command(name="schema")
@click.option("--plan", "plan_schema", is_flag=True, help="Print the plan schema instead of the workflow schema.")
def schema(plan_schema: bool) -> None:
    """Print the workflow JSON schema (Draft 2020-12), or with --plan the schema of compiled plans."""
    from wfc.validate.schema_files import PLAN_SCHEMA, WORKFLOW_SCHEMA, schema_bytes, schema_path

    name = PLAN_SCHEMA if plan_schema else WORKFLOW_SCHEMA
    try:
        data = schema_bytes(name)
    except FileNotFoundError:
        fail(f"wfc is installed without its schema {name} (looked at {schema_path(name)}); "
             "reinstall it: pip install --force-reinstall wfc-compiler")
    _write_bytes(data)


def _write_bytes(data: bytes) -> None:
    """Bytes, not text: a text stream could translate newlines or re-encode on Windows and break
    `wfc schema > file` being the identical file."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    sys.stdout.flush()
    buffer.write(data)
    buffer.flush()
