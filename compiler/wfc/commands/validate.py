"""`wfc validate`: every problem in every workflow, in one run."""
from __future__ import annotations

import sys
from typing import List, Tuple

import click

from wfc.diagnostics_output import render, summary, use_colour
from wfc.errors import EXIT_INVALID, Diagnostic, sorted_diagnostics
from wfc.validate import ValidationResult, validate_file, workflow_files


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
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="text for people, json for tools, github for Actions annotations.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def validate(paths: Tuple[str, ...], output_format: str, strict: bool) -> None:
    """Check workflow files (default: workflows/) and report every problem with its position.

    Exit 0 when valid, 1 when any workflow has an error (or a warning, with --strict), 2 on usage
    errors."""
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
        sys.exit(EXIT_INVALID)
