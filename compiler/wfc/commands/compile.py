"""`wfc compile`: workflows to plans, modules and command docs in generated/."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Tuple

import click

from wfc.errors import EXIT_INVALID
from wfc.paths import workflow_files

if TYPE_CHECKING:
    from wfc.compiler import CompileResult


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
    if check:
        stale = result.count("write") + result.count("prune")
        state = "up to date" if not stale else f"{stale} file{'s' if stale != 1 else ''} out of date"
        return f"checked {compiled} workflow{'s' if compiled != 1 else ''}: {state}" + (f", {failed} invalid" if failed else "")
    return (f"compiled {compiled} workflow{'s' if compiled != 1 else ''}: {result.count('write')} written, "
            f"{result.count('unchanged')} unchanged, {result.count('prune')} pruned" + (f", {failed} invalid" if failed else ""))


@click.command("compile")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="generated", show_default=True,
              help="Directory for plans and modules.")
@click.option("--commands-dir", type=click.Path(file_okay=False), default=None,
              help="Directory for the command docs (default: OUT/commands), e.g. .claude/commands.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 with a diff if anything is out of date.")
@click.option("--force", is_flag=True, help="Rewrite every output even if unchanged.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def compile_(paths: Tuple[str, ...], out_dir: str, commands_dir: Optional[str], check: bool, force: bool,
             strict: bool) -> None:
    """Compile workflows (default: workflows/) into execution plans, Python modules and command docs.

    Only files whose bytes change are written, each atomically; a workflow with errors keeps its
    previous outputs; outputs whose source is gone are pruned."""
    sources = workflow_files(paths or ("workflows",))
    out, commands = Path(out_dir), Path(commands_dir) if commands_dir else Path(out_dir) / "commands"
    if check and not force and up_to_date(sources, out, commands):
        click.echo(f"checked {len(sources)} workflow{'s' if len(sources) != 1 else ''}: up to date", err=True)
        return
    from wfc.compiler import CompileOptions, compile_paths  # only now: YAML, schema and Jinja machinery
    from wfc.diagnostics_output import render, summary, use_colour

    result = compile_paths([str(source) for source in sources], CompileOptions(out, commands, check, force))
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
        sys.exit(EXIT_INVALID)
    from wfc.freshness import record

    record(out, commands, [output for outcome in result.outcomes for output in outcome.outputs])


def up_to_date(sources: "list[Path]", out: Path, commands: Path) -> bool:
    from wfc.freshness import all_current

    return all_current(sources, out, commands)
