"""`wfc graph`: a workflow's DAG as mermaid (paste into markdown) or Graphviz dot (`dot -Tsvg`)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from wfc.errors import fail
from wfc.emit import atomic_write

FORMATS = ("mermaid", "dot")


@click.command(name="graph")
@click.argument("workflow", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="mermaid", show_default=True,
              help="mermaid for markdown (GitHub renders it), dot for Graphviz.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
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
    atomic_write(path, text)
