"""`wfc import LEGACY.md [-o workflows/NAME.yaml] [--force]`: a legacy slash command as a workflow.

Thin: read the bytes, call `wfc.legacy_writer.import_legacy`, show what was skipped as warnings, and print
the workflow or write it atomically. An existing file is never overwritten without `--force`,
because the usual next step after importing is editing the result by hand.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Optional

import click

from wfc.diagnostics.errors import fail
from wfc.diagnostics.output import render, use_colour
from wfc.emit import atomic_write
from wfc.legacy_writer import import_legacy, slug
from wfc.validate import display_path


_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def output_name(output: Path, force: bool) -> str:
    """The workflow name the output path implies, after refusing paths that cannot be written."""
    shown = display_path(output)
    if output.exists() and not force:
        fail(f"{shown} already exists; pass --force to overwrite it", usage=True)
    if not output.parent.is_dir():
        fail(f"cannot write {shown}: the directory {display_path(output.parent)} does not exist", usage=True)
    if not _NAME.match(output.stem) or len(output.stem) > 64:
        suggestion = re.sub(r"[-_]+", "-", slug(output.stem).replace("_", "-"))
        fail(f"cannot name a workflow {output.stem!r}: a workflow's file stem is lower-case words joined by "
             f"single hyphens (try {suggestion}{output.suffix or '.yaml'})", usage=True)
    return output.stem


@click.command("import")
@click.argument("legacy", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the workflow here (its stem becomes the workflow's name) instead of printing it.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def import_(legacy: Path, output: Optional[Path], force: bool) -> None:
    """Turn a legacy markdown slash command into a workflow skeleton: one agent step per agent
    entry, grouped by phase, each phase needing the one before, estimates from the phase times."""
    name = output_name(output, force) if output is not None else None
    source = display_path(legacy)
    try:
        data = legacy.read_bytes()
    except OSError as error:
        fail(f"cannot read {source}: {error.strerror or error}", usage=True)
    result = import_legacy(data, source, name)
    if result.warnings:
        click.echo(render(result.warnings, "text", use_colour(sys.stderr)), err=True)
    if output is None:
        click.echo(result.text, nl=False)
        return
    atomic_write(output, result.text)
    command = result.command
    steps = sum(len(phase.agents) for phase in command.phases)
    untimed = sum(1 for phase in command.phases if phase.minutes is None)
    budget = f"{command.total_minutes:g} legacy minutes" + (f" ({untimed} phases untimed)" if untimed else "")
    click.echo(f"wrote {display_path(output)}: {steps} steps in {len(command.phases)} phases, {budget}, "
               f"{len(result.warnings)} warnings", err=True)
