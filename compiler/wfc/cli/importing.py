"""`wfc import COMMAND.md [-o workflows/NAME.yaml] [--force]`: a slash command as a workflow.

Thin: read the bytes, call `wfc.legacy.import_legacy`, show what the import reports (lines it
dropped, agents `.claude/agents/` does not define, estimates the text never gave), and print the
workflow or write it atomically. An existing file is never overwritten without `--force`,
because the usual next step after importing is editing the result by hand.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Optional

import click

from wfc.cli.project import ProjectPath

from wfc.diagnostics.errors import fail
from wfc.diagnostics.output import render, use_colour
from wfc.emit import atomic_write
from wfc.legacy import ImportResult, import_legacy
from wfc.legacy.tally import summary
from wfc.legacy.steps import slug
from wfc.validate.sources import display_path

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def output_name(output: Path, force: bool) -> str:
    """The workflow name the output path implies, after refusing paths that cannot be written."""
    shown = display_path(output)
    if output.exists() and not force:
        fail(f"{shown} already exists; pass --force to overwrite it", usage=True)
    if not output.parent.is_dir():
        fail(f"cannot write {shown}: the directory {display_path(output.parent)} does not exist", usage=True)
    if not _NAME.match(output.stem) or len(output.stem) > 64:
        suggestion = re.sub(r"[-_]+", "-", slug(output.stem, 99).replace("_", "-"))
        fail(f"cannot name a workflow {output.stem!r}: a workflow's file stem is lower-case words joined by "
             f"single hyphens (try {suggestion}{output.suffix or '.yaml'})", usage=True)
    return output.stem


@click.command("import")
@click.argument("legacy", type=ProjectPath(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=ProjectPath(dir_okay=False, path_type=Path), default=None,
              help="Write the workflow here (its stem becomes the workflow's name) instead of printing it.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def import_(legacy: Path, output: Optional[Path], force: bool) -> None:
    """Turn a Claude Code slash command into a workflow that runs as the command ran: its phases and
    agents one after another (together only where the text says so), its arguments typed, its time
    budgets as estimates, its purpose, usage and outputs as docs."""
    name = output_name(output, force) if output is not None else None
    source = display_path(legacy)
    try:
        data = legacy.read_bytes()
    except OSError as error:
        fail(f"cannot read {source}: {error.strerror or error}", usage=True)
    shown = display_path(output) if output is not None else ""
    result = import_legacy(data, source, name, legacy, shown)
    _show(result)
    if output is None:
        click.echo(result.text, nl=False)
        return
    atomic_write(output, result.text)
    click.echo(f"wrote {shown}: {summary(result)}", err=True)


def _show(result: ImportResult) -> None:
    found = result.warnings + result.checked.diagnostics
    if found:
        click.echo(render(found, "text", use_colour(sys.stderr)), err=True)
